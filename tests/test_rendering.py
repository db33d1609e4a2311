from backend.services.conversation import choice
from channels.gsm7 import encoding_of, fold_to_gsm7, segment_count
from channels.rendering import render

BUTTONS = [
    {"title": "Oui", "payload": "/affirm"},
    {"title": "Non", "payload": "/deny"},
    {"title": "Je ne sais pas", "payload": "nsp"},
]


def test_fold_keeps_gsm7_accents_and_replaces_the_rest():
    text = "L’hôtel « Œuvre » coûte… rien\u00a0: été, très, là, où, ça"
    folded = fold_to_gsm7(text)
    assert folded == 'L\'hotel "OEuvre" coute... rien : été, très, là, où, ca'
    assert encoding_of(folded) == "GSM-7"


def test_segment_counts_follow_gsm7_and_ucs2_limits():
    assert segment_count("a" * 160) == 1
    assert segment_count("a" * 161) == 2
    assert segment_count("a" * 306) == 2
    assert segment_count("a" * 307) == 3
    assert segment_count("€" * 80) == 1  # extension characters take two septets
    assert segment_count("€" * 81) == 2
    assert segment_count("ê" * 70) == 1  # UCS-2
    assert segment_count("ê" * 71) == 2
    assert segment_count("ê" * 134) == 2
    assert segment_count("ê" * 135) == 3


def test_sms_numbers_the_buttons_in_the_same_message():
    [reply] = render([{"text": "Vous travaillez ?", "buttons": BUTTONS}], "sms")
    assert reply.text == "Vous travaillez ?\n1 Oui\n2 Non\n3 Je ne sais pas\nRépondez 1, 2 ou 3"
    assert (reply.encoding, reply.segments) == ("GSM-7", 1)
    assert [b["payload"] for b in reply.buttons] == ["/affirm", "/deny", "nsp"]


def test_telegram_keeps_buttons_and_unicode():
    [reply] = render([{"text": "C’est noté", "buttons": BUTTONS}], "telegram")
    assert reply.text == "C’est noté"
    assert reply.encoding == "UCS-2"
    assert len(reply.buttons) == 3


def test_sms_merges_short_messages_of_one_turn_but_not_when_it_costs_more():
    short = render([{"text": "Merci."}, {"text": "Question suivante."}], "sms")
    assert [r.text for r in short] == ["Merci.\nQuestion suivante."]
    long = render([{"text": "a" * 155}, {"text": "b" * 155}], "sms")
    assert len(long) == 2 and sum(r.segments for r in long) == 2


def test_digits_and_titles_designate_an_option_of_the_last_menu():
    assert choice("2", BUTTONS) == 2
    assert choice(" 3. ", BUTTONS) == 3
    assert choice("oui", BUTTONS) == 1  # a Telegram button sends its title
    assert choice("7", BUTTONS) is None
    assert choice("1", []) is None
    assert choice("1 et 3", BUTTONS) is None


def test_fold_handles_the_rest_of_what_phones_and_word_processors_insert():
    text = "Rendez\u2011vous\tà 14\u202fh\u00a0: c\u2019est «\u00a0sûr\u00a0» \u2039ok\u203a\u2026 ô ç Ç É"
    folded = fold_to_gsm7(text)
    assert folded == 'Rendez-vous à 14 h : c\'est "sur" "ok"... o c Ç É'
    assert encoding_of(folded) == "GSM-7"
    assert fold_to_gsm7("Merci 🙂") == "Merci "  # no look-alike: dropped, not a UCS-2 SMS


def test_whatsapp_numbers_the_options_but_keeps_unicode_and_separate_messages():
    replies = render(
        [{"text": "C’est noté."}, {"text": "Vous travaillez ?", "buttons": BUTTONS}], "whatsapp"
    )
    assert [r.text for r in replies] == [
        "C’est noté.",
        "Vous travaillez ?\n1 Oui\n2 Non\n3 Je ne sais pas\nRépondez 1, 2 ou 3",
    ]
    assert replies[1].menu["options"][1]["payload"] == "/deny"


def test_sms_merge_keeps_the_menu_of_the_turn_so_digits_still_map():
    [reply] = render([{"text": "Merci."}, {"text": "Vous travaillez ?", "buttons": BUTTONS}], "sms")
    assert reply.text.startswith("Merci.\nVous travaillez ?\n1 Oui")
    assert reply.menu["options"][2]["payload"] == "nsp"


def test_a_turn_never_carries_two_numbered_lists():
    rdv = [
        {"title": "Je confirme", "payload": "/confirm_attendance"},
        {"title": "Non", "payload": "/x"},
    ]
    replies = render(
        [
            {"text": "Votre RDV : lundi.", "buttons": rdv},
            {"text": "Vous avez :", "buttons": BUTTONS},
        ],
        "sms",
    )
    text = "\n".join(r.text for r in replies)
    assert text.count("\n1 ") == 1 and text.count("Répondez") == 1
    assert replies[-1].menu["options"] == BUTTONS


def test_whatsapp_numbers_a_question_once_and_a_remembered_list_is_not_resent():
    question = {
        "text": "Vous avez ?",
        "buttons": [{"title": "RSA", "payload": "rsa"}, {"title": "RQTH", "payload": "rqth"}],
        "menu": {"kind": "question", "question_key": "droits", "multi": True},
    }
    [reply] = render([question], "whatsapp")
    assert reply.text == "Vous avez ?\n1 RSA\n2 RQTH\nPlusieurs choix: ex 1 3"
    reask = {
        **question,
        "text": "Je n'ai pas compris.",
        "menu": {**question["menu"], "show": False},
    }
    [short] = render([reask], "sms")
    assert short.text == "Je n'ai pas compris." and short.segments == 1
    assert short.menu["options"][1]["payload"] == "rqth"  # "2" still answers the list


def test_telegram_multi_choice_titles_carry_their_numbers():
    question = {
        "text": "Vous avez ?",
        "buttons": [{"title": "RSA", "payload": "rsa"}, {"title": "RQTH", "payload": "rqth"}],
        "menu": {"kind": "question", "question_key": "droits", "multi": True},
    }
    [reply] = render([question], "telegram")
    assert [b["title"] for b in reply.buttons] == ["1 RSA", "2 RQTH"]
    assert "ex 1 3" in reply.text


def test_segment_count_of_a_merged_turn_is_what_is_billed():
    long_question = "Quelle est votre situation aujourd'hui ? " * 4  # 164 characters
    [reply] = render([{"text": long_question.strip(), "buttons": BUTTONS}], "sms")
    assert reply.segments == segment_count(reply.text) == 2
