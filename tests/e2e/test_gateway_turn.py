"""The gateway connector's one-call turn (bot/connectors/gateway.py) on the real Rasa server:
parse, dialogue and active loop in one answer; a parse the router weighs first is held back
without running anything; a turn already run for a message id is read back, not run again."""

import httpx

from backend.services.conversation import HOLD


def turn(stack, sender: str, text: str, message_id: str, hold: dict | None = None) -> dict:
    body = {"sender": sender, "message": text, "message_id": message_id, "metadata": {}}
    if hold:
        body["hold"] = hold
    response = httpx.post(f"{stack.rasa_url}/webhooks/gateway/turn", json=body, timeout=60)
    assert response.status_code == 200, response.text
    return response.json()


def user_turns(stack, sender: str) -> list[str]:
    tracker = httpx.get(f"{stack.rasa_url}/conversations/{sender}/tracker", timeout=30).json()
    return [event.get("text") for event in tracker["events"] if event["event"] == "user"]


def test_one_call_gives_the_replies_the_parse_and_the_active_loop(stack):
    first = turn(stack, "gateway-turn-1", "bonjour", "m-1", HOLD)
    assert first["held"] is False and first["nlu"]["intent"]["name"] == "greet"
    assert first["messages"] and first["messages"][0]["text"].startswith("Bonjour")
    assert first["active_loop"] is None


def test_a_turn_sent_twice_runs_once_and_gives_the_same_replies(stack):
    first = turn(stack, "gateway-turn-2", "bonjour", "m-2")
    again = turn(stack, "gateway-turn-2", "bonjour", "m-2")
    assert again["replayed"] is True
    assert [m.get("text") for m in again["messages"]] == [m.get("text") for m in first["messages"]]
    assert [m.get("buttons") for m in again["messages"]] == [
        m.get("buttons") for m in first["messages"]
    ]
    assert user_turns(stack, "gateway-turn-2") == ["bonjour"]


def test_an_intent_the_router_weighs_first_is_held_and_nothing_runs(stack):
    held = turn(stack, "gateway-turn-3", "je peux pas venir a mon rdv", "m-3", HOLD)
    assert held["held"] is True and held["messages"] == []
    assert held["nlu"]["intent"]["name"] == "cannot_attend"
    assert user_turns(stack, "gateway-turn-3") == []
