"""How answers typed on a phone are understood (no database)."""

from typing import get_args

import pytest

from backend.services.questionnaire.foreign import in_french
from backend.services.questionnaire.parser import parse_answer
from backend.services.questionnaire.reading.parsed import Kind
from backend.services.questionnaire.schema import load_questionnaire

Q = load_questionnaire()


def parse(key: str, text: str):
    question = Q.question(key)
    return parse_answer(question, question.options, text)


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("1 3", ["logement", "transport"]),
        ("1,3", ["logement", "transport"]),
        ("1 et 3", ["logement", "transport"]),
        ("le 1 et le 3", ["logement", "transport"]),
        ("trois", ["transport"]),
        ("troi et un", ["transport", "logement"]),
        ("logemant et transprt", ["logement", "transport"]),
        ("logement transport", ["logement", "transport"]),
        ("sante", ["sante"]),
        ("internet, papiers", ["numerique", "papiers"]),
        ("non", ["rien"]),
    ],
)
def test_multi_choice_as_people_type_it(text, expected):
    parsed = parse("freins", text)
    assert (parsed.kind, parsed.value) == ("answer", expected)


@pytest.mark.parametrize(
    ("key", "text", "expected"),
    [
        ("consentement", "ouais", ["oui"]),
        ("consentement", "wi", ["oui"]),
        ("consentement", "OUI !", ["oui"]),
        ("consentement", "nan", ["non"]),
        ("impact_logement", "un peu", ["moyen"]),
        ("impact_logement", "pas du tout", ["aucun"]),
        ("confiance", "je sais pas", ["nsp"]),
        ("confiance", "jsp", ["nsp"]),
        ("niveau", "bac", ["NV4"]),
        ("niveau", "10", ["NV1"]),
        ("niveau", "CAP", ["NV5"]),
        ("situations_logement", "je suis locataire hlm", ["hlm"]),
        ("situations_logement", "sans logement et loyer", ["sans_logement", "loyer"]),
        ("activite", "jamais", ["jamais"]),
        ("capacite", "oui", ["oui"]),
    ],
)
def test_single_choice_words_typos_and_yes_no(key, text, expected):
    parsed = parse(key, text)
    assert (parsed.kind, parsed.value) == ("answer", expected)


@pytest.mark.parametrize(
    ("text", "kind"),
    [
        ("passer", "skip"),
        ("je prefere pas", "skip"),
        ("je sais pas", "skip"),  # no "don't know" option here: a skip
        ("retour", "back"),
        ("Retour", "back"),
        ("aide", "help"),
        ("reprendre", "resume"),
        ("plus tard", "pause"),
        ("zxqv", "unclear"),
        ("11", "unclear"),  # out of range
        ("1 3", "unclear"),  # single choice: one answer only
        ("", "unclear"),
    ],
)
def test_keywords_and_unclear(text, kind):
    assert parse("niveau", text).kind == kind


def test_consent_and_confirmation_cannot_be_skipped():
    assert parse("consentement", "passer").kind == "unclear"
    assert parse("confirmation", "je sais pas").kind == "unclear"


def test_exclusive_option_cannot_be_combined():
    assert parse("freins", "1 9").kind == "unclear"


def test_numbers_and_free_text():
    assert parse("rayon", "20 km").value == 20
    assert parse("rayon", "vingt").value == 20
    assert parse("rayon", "environ 15 kms").value == 15
    assert parse("rayon", "1000").kind == "unclear"  # beyond max
    assert parse("rayon", "loin").kind == "unclear"
    # Free text is kept as typed, even when it starts like a keyword.
    assert parse("metier", "  Aide   soignante ").value == "Aide soignante"
    assert parse("metier", "aide").kind == "help"
    assert parse("metier", "??").kind == "unclear"


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("Affirmatif", ["oui"]),
        ("négatif", ["non"]),
        ("absolument", ["oui"]),
        ("carrément pas", ["non"]),
        ("absolument pas", ["non"]),
        ("bien sûr que non", ["non"]),
        ("évidemment pas", ["non"]),
        ("tout à fait", ["oui"]),
    ],
)
def test_yes_and_no_in_unusual_words(text, expected):
    """A word that strengthens a yes ("carrément") followed by a negation is a no."""
    parsed = parse("consentement", text)
    assert (parsed.kind, parsed.value) == ("answer", expected)


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("affirmatif", True),
        ("Négatif", False),
        ("carrément pas", False),
        ("oui pas de souci", True),
        ("oui pas du tout", None),  # yes and no at once: read as a new message, not a yes
    ],
)
def test_confirmation_replies(text, expected):
    from backend.services.questionnaire.reading.confirmation import yes_or_no

    assert yes_or_no(text) is expected


@pytest.mark.parametrize(
    ("key", "text", "expected"),
    [
        # how long ago, without a number, and a state that still lasts
        ("activite", "plus depuis l'an dernier", ["deux_ans"]),
        ("activite", "je travaille plus depuis l'an dernier", ["deux_ans"]),
        ("activite", "je travaille depuis 2019", ["en_activite"]),
        ("activite", "je bosse depuis 3 ans", ["en_activite"]),
        ("activite", "j'ai travaillé il y a longtemps", ["plus_deux_ans"]),
        ("activite", "non depuis 2019", ["plus_deux_ans"]),
        (
            "activite",
            "non pas depuis mon accident, il y a un peu plus de trois ans",
            ["plus_deux_ans"],
        ),
        # a real level beside "no diploma" is the level
        ("niveau", "pas de diplome, j'ai arrêté en 5eme", ["CP4"]),
        ("niveau", "pas de diplôme", ["AFS"]),
        # "pas pour le moment": a no
        ("capacite", "malheureusement pas pour le moment", ["non"]),
        # "ça va" after an option is a denial only in a list of difficulties
        ("temps", "les deux ça va", ["les_deux"]),
        # not being able to do something, in a list of difficulties, is that difficulty
        ("situations_argent", "des dettes, j'arrive pas a gerer mon budget", ["dettes", "budget"]),
    ],
)
def test_sentences_people_write(key, text, expected):
    parsed = parse(key, text)
    assert (parsed.kind, parsed.value) == ("answer", expected)


def test_a_difficulty_said_fine_is_not_chosen():
    parsed = parse("situations_langue", "parler ça va mais lire et écrire c'est dur")
    assert (parsed.kind, parsed.value) == ("answer", ["lire", "ecrire"])


@pytest.mark.parametrize(
    ("key", "text", "expected"),
    [
        ("droits", "RSA, affirmatif. RQTH, négatif.", ["rsa"]),  # an option then a bare no
        ("situations_transport", "4, 7 et autre", ["vehicule", "permis_b", "autre"]),
        ("situations_transport", "2 et le bus", ["transports_communs"]),
        ("confiance", "jsais pas trop mdr", ["nsp"]),  # "I don't know" said first
        (
            "capacite",
            "Oui mais seulement à temps partiel, je ne peux pas faire des journées",
            ["partiel"],
        ),
        (
            "capacite",
            "oui tt de suite :)",
            ["oui"],
        ),  # "oui" alone does not name "Oui, à temps partiel"
        ("impact_papiers", "boucou", ["fort"]),
    ],
)
def test_mixed_answers(key, text, expected):
    parsed = parse(key, text)
    assert (parsed.kind, parsed.value) == ("answer", expected)


def test_numbers_beside_unknown_words_are_not_guessed():
    """'3 ans' is no answer to a list: a number with other words counts only when every other
    word names an option."""
    assert parse("situations_transport", "3 ans").kind == "unclear"
    assert parse("droits", "rsa. non").kind == "unclear"


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("Est-ce que ma mère peut avoir une aide à domicile aussi ? 🙏", True),
        ("c'est quand mon rdv deja ?", True),
        ("bac ?", False),
        ("oui mais est-ce que je peux choisir ?", False),  # an answer first
        ("je sais pas trop", False),
    ],
)
def test_a_whole_question_is_not_an_answer(text, expected):
    from backend.services.questionnaire.reading.questions import long_question

    assert long_question(text) is expected


@pytest.mark.parametrize(
    ("key", "text", "expected"),
    [
        # "none" and a no said first; the other name only in the reason that follows
        ("droits", "nn aucun des 2, jsuis trop jeune pr le rsa ptdr", ["aucun"]),
        ("droits", "non aucun, enfin si le rsa", ["rsa"]),  # corrected: the choice
        ("freins", "non rien, sauf peut etre la voiture", ["transport"]),
        # a double negation is a yes
        ("accompagnement", "Volontiers, je ne dirais pas non.", ["oui"]),
        ("confiance", "Je ne saurais pas vous dire.", ["nsp"]),
        # an option said plainly beats another of its names denied elsewhere
        (
            "impact_sante",
            "Ça me gêne beaucoup, certains métiers je ne peux plus les faire.",
            ["fort"],
        ),
        # a negation after another subject is not about the option
        (
            "situations_famille",
            "Je m'occupe de ma mère et autre chose mon fils ne va plus au collège",
            ["aidant", "autre"],
        ),
        (
            "situations_transport",
            "bus ou trott, le permis jlai pas",
            ["transports_communs", "velo"],
        ),
        ("situations_transport", "permis suspendu. velo", ["non_valide", "velo"]),
        (
            "situations_logement",
            "Je dors chez un ami de mon village, c est pas chez moi",
            ["tiers"],
        ),
        ("situations_famille", "le petit a 2 ans il a pas de creche", ["garde"]),
        ("capacite", "oui mais pas toute la journee a cause des enfant", ["partiel"]),
        ("activite", "Oui, l année passé je travaillé maçon à Dakar. Ici pas encore", ["deux_ans"]),
    ],
)
def test_spent_sealed_personas_answers(key, text, expected):
    """Answers of the personas sealed at stop 19 (writer5/6), now spent and tuned on."""
    parsed = parse(key, text)
    assert (parsed.kind, parsed.value) == ("answer", expected)


@pytest.mark.parametrize(
    ("key", "text", "expected"),
    [
        # a self-correction: what follows it is the answer; in a list it replaces or adds
        ("rayon", "30 km, non plutôt 40, j'ai la voiture", 40),
        ("niveau", "Bac+2... non attendez, j'ai le bac, mon BTS je ne l'ai pas fini", ["NV4"]),
        ("impact_argent", "beaucoup... enfin un peu, je m'en sors", ["moyen"]),
        ("contrats", "CDI uniquement... enfin CDD aussi si c'est long", ["cdi", "cdd"]),
        (
            "situations_argent",
            "Des dettes URSSAF. Et des revenus en chute, non attendez, je dirais très petits "
            "revenus, juste le RSA",
            ["dettes", "precaire"],
        ),
        # a job that ended this year, said with a month
        ("activite", "oui mais plus depuis octobre", ["deux_ans"]),
        ("activite", "oui moi travail batiment jusque mars, maintenant plus", ["deux_ans"]),
        # an exact word beats a likeness earlier in the sentence ("urgent" ~ "argent")
        (
            "priorites",
            "Pour moi le plus urgent c'est l'argent, puis trouver un emploi, et après la famille",
            ["argent", "emploi", "famille"],
        ),
        # someone else's, asked about
        ("droits", "Nous avons le RSA. La RQTH c'est mon mari qui l'a, pas moi", ["rsa"]),
        ("droits", "Le RSA oui. La RQTH c'est quoi exactement ? Non je l'ai pas", ["rsa"]),
        ("droits", "bof jsp... jcrois aucun des 2, le rsa jsuis trop jeune", ["aucun"]),
        # hesitation first; not knowing how, in a list of difficulties
        ("accompagnement", "bof... ouais pk pas", ["oui"]),
        (
            "situations_numerique",
            "jai smartphone mais pas email, et demarche internet pas connais faire",
            ["smartphone", "email", "demarches"],
        ),
        ("freins", "le 3 et le 4, et un peu l'argent aussi", ["transport", "sante", "argent"]),
        ("situation_actuelle", "aucun de ceux la, je sors de 5 mois d'hopital", ["autre"]),
        # "A & B" words: both lacks said name "Aucun transport"
        (
            "situations_transport",
            "jai le permis mais plus de voiture. pas de bus ici",
            ["permis_b", "aucun_transport"],
        ),
        ("situations_transport", "le bus et j'ai le permis mais plus de voiture", None),
    ],
)
def test_tuning_personas_writer10_11(key, text, expected):
    parsed = parse(key, text)
    if expected is None:  # only the part that must not be chosen
        assert "aucun_transport" not in (parsed.value or [])
    else:
        assert (parsed.kind, parsed.value) == ("answer", expected)


@pytest.mark.parametrize("text", ["je préfère ne pas répondre à ça", "je préfère pas détailler"])
def test_a_refusal_in_a_sentence_skips(text):
    assert parse("droits", text).kind == "skip"


# Answers of the personas writer12/13 (tuning).
WRITER12_13 = [
    ("niveau", "jst le brevet, g lach le cap en 2eme anné", ["C3A"]),
    ("rayon", "15km... nn 20 en fait", 20),  # a correction after "..."
    ("impact_argent", "un pe", ["moyen"]),
    (
        "situations_argent",
        "le salaire il est tout petit et j'ai des dettes d'électricité",
        ["precaire", "dettes"],
    ),
    # asked for, not obtained; left
    (
        "droits",
        "le rsa depuis six mois, la rqth j'ai fait la demande mais toujours rien",
        ["rsa"],
    ),
    (
        "situations_logement",
        "depuis que jsuis sorti du foyer de l'ase je dors chez un pote sur son canap",
        ["tiers"],
    ),
    # "oui" in another option's label does not compete with what the rest says
    ("capacite", "Oui, dès demain, mon agenda est désespérément vide.", ["oui"]),
    (
        "activite",
        "non. en France pas travail. en Syrie ingénieur jusqu'à 2020",
        ["plus_deux_ans"],
    ),
    (
        "situations_transport",
        "j'ai permis syrien, je prends le bus et tram",
        ["etranger", "transports_communs"],
    ),
    # "les papiers du diplome": the diploma says which papers
    (
        "priorites",
        "d'abord le français, après les papiers du diplôme, après le travail",
        ["langue", "papiers", "emploi"],
    ),
    (
        "situations_numerique",
        "ben ca capte pas chez moi, faut aller a la mairie pour internet voila",
        ["zone_blanche", "loin"],
    ),
]


# Answers of the personas sealed at the start of stop 20 (scored once, then tuned on).
WRITER8_9 = [
    (
        "situations_transport",
        "j ai permis de conduire afghanistan, pas francais. maintenant bus",
        ["etranger", "transports_communs"],
    ),
    (
        "situations_numerique",
        "Mon fils m'a offert un ordinateur portable, mais je ne suis pas à "
        "l'aise avec, et les démarches en ligne me découragent.",
        ["ordinateur", "pas_a_l_aise", "demarches"],
    ),
    ("confiance", "Je ne saurais vous dire.", ["nsp"]),
    ("contrats", "jmen fou du contrat tant que ca paye", ["tous"]),
    ("freins", "la petite ya pas de creche, et g plus de caisse", ["famille", "transport"]),
    (
        "situations_transport",
        "jai le permis mais la voiture est morte, je fais tout en velo",
        ["permis_b", "velo"],
    ),
    ("situation_actuelle", "toujours en arret maladie, je cherche pas vraiment", ["autre"]),
    ("situations_argent", "ya moins de missions en ce moment donc jtouche moins", ["baisse"]),
    ("activite", "oui jusqu'à l'année dernière j'étais à l'usine pendant 31 ans", ["deux_ans"]),
    ("temps", "Plein ou partiel, both ok pour moi", ["les_deux"]),
    ("temps", "plein", ["plein"]),
    (
        "niveau",
        "J'ai un BEP sanitaire, j'avais commencé un bac pro après mais je ne l'ai pas fini",
        ["NV5"],
    ),
    (
        "contrats",
        "Un CDI ce serait l'idéal, mais un CDD je ne dis pas non. L'intérim par "
        "contre avec les enfants c'est trop compliqué",
        ["cdi", "cdd"],
    ),
    ("freins", "L'argent et la paperasse. Rien d'autre.", ["argent", "papiers"]),
    # the family member who put the person out is not the difficulty: the housing is
    (
        "freins",
        "le logement surtout, ma mere m a mise dehors et je dors chez une copine. et l argent "
        "j ai zero revenu",
        ["logement", "argent"],
    ),
]


def test_ranks_said_with_names_are_not_list_numbers():
    parsed = parse("priorites", "1 papiers 2 travail 3 logement")
    assert (parsed.kind, parsed.value) == ("answer", ["papiers", "emploi", "logement"])


@pytest.mark.parametrize(
    "text", ["je prefere passer cette question", "Je ne réponds pas à celle-là."]
)
def test_more_refusals_skip(text):
    assert parse("droits", text).kind == "skip"


# Answers of the personas sealed at the end of stop 20 (scored once, then tuned on).
WRITER14_15 = [
    # a laptop: "ordinateur portable" covers the smartphone's "portable"
    (
        "situations_numerique",
        "J'ai un ordinateur portable mais je ne suis pas à l'aise, et les démarches en ligne "
        "me posent problème.",
        ["ordinateur", "pas_a_l_aise", "demarches"],
    ),
    (
        "situations_argent",
        "revenus divisés par 3 depuis la fin des indemnités. + un crédit à rembourser",
        ["baisse", "dettes"],
    ),
    ("freins", "PERMIS SUSPENDU, LES DETTES ET MON DIABETE", ["transport", "argent", "sante"]),
    (
        "situations_transport",
        "PERMIS SUSPENDU JUSQUEN SEPTEMBRE. JAI LE PL AUSSI. EN ATTENDANT JE ME DEPLACE EN VELO",
        ["non_valide", "autres_permis", "velo"],
    ),
    # speaking well is not a difficulty, even in a list of them
    (
        "situations_langue",
        "Je parle bien mais écrire c'est difficile, je suis des cours de français à l'association",
        ["ecrire", "fle"],
    ),
    ("impact_numerique", "Un peu aussi", ["moyen"]),  # "un peu", not option 1
    # "pas le transport" opening a clause denies it; "pas de voiture" would be a lack
    (
        "freins",
        "le logement et internet. pas le transport, j'ai le camion",
        ["logement", "numerique"],
    ),
    ("freins", "j'ai pas le permis et le logement", ["transport", "logement"]),
    (
        "freins",
        "C'est surtout la garde de mon petit dernier et puis l'argent",
        ["famille", "argent"],
    ),
]


# Answers of the personas sealed at the start of stop 21 (scored once, then tuned on).
WRITER16_17 = [
    # "le bus passe pas ici": a verb's bare negation after the option denies it
    (
        "situations_transport",
        "pas de voiture, le bus passe pas ici. jai juste un velo. et jai eu le code en juin",
        ["velo", "code"],
    ),
    ("temps", "pas temps plein, juste le matin", ["partiel"]),
    ("situations_famille", "Je m'occupe de mon époux au quotidien.", ["aidant"]),
    # "autre chose" beside a real choice is what they look for, not the option "Autre"
    ("situation_actuelle", "je cherche autre chose, un boulot ou je porte pas", ["recherche"]),
    (
        "situations_argent",
        "jai des dettes (credit de la voiture) et le rsa c'est trop juste pour vivre",
        ["dettes", "precaire"],
    ),
    (
        "situations_argent",
        "jai que le rsa et les allocs pour nous 4 et un credit conso a rembourser tous les mois",
        ["precaire", "dettes"],
    ),
    # "Rien" said first; "juste" in a later clause corrects nothing
    (
        "freins",
        "Rien. Je suis en forme, j'ai le permis et le camion. C'est juste le boulot qui manque.",
        ["rien"],
    ),
    ("droits", "non aucun, enfin si le rsa", ["rsa"]),
    # taken back, with the reason first: the answer follows the reason
    (
        "freins",
        "transport... non en fait c bon jai le bus. famille et argent",
        ["famille", "argent"],
    ),
]


# Answers of the personas sealed in the middle of stop 21 (scored once, then tuned on).
WRITER18_19 = [
    # the family named on its own, before "chez mes parents" (the housing's words)
    (
        "freins",
        "la garde des jumeaux, le transport jai pas le permis, et le logement on est serres "
        "chez mes parents",
        ["famille", "transport", "logement"],
    ),
    (
        "freins",
        "mon scoot est en panne jai pas une tune pour le reparer et ya pas de reseau chez moi",
        ["transport", "argent", "numerique"],
    ),
    # "ni ... ni ..." after an ability: every item is a difficulty
    ("situations_langue", "je sais ni lire ni ecrire mais compter ca va", ["lire", "ecrire"]),
    ("confiance", "oe", ["oui"]),
    ("temps", "plein ou pas plein ca me va pareil", ["les_deux"]),
    (
        "situations_argent",
        "0 revenu, et je vais à l'épicerie solidaire toutes les semaines",
        ["aucune_ressource", "alimentaire"],
    ),
    (
        "situations_famille",
        "je m'occupe de mon fils handicapé et j'ai des horaires fixes, le taxi le dépose à "
        "16h30 pile",
        ["aidant", "horaires"],
    ),
    ("activite", "oui en interim, la jsuis en mission jusqua vendredi", ["en_activite"]),
    (
        "situations_transport",
        "jai permis du portugal mais pas voiture, je prend le bus",
        ["etranger", "transports_communs"],
    ),
    ("confirmation", "attend non... si si c bon tu peux envoyer", ["oui"]),
    ("droits", "rsa qd jai pas de mission", ["rsa"]),
]


# Answers of the personas sealed at the start of stop 22 (scored once, then tuned on).
WRITER20_21 = [
    ("activite", "non jamai, jai toujour ete a la maison avec les enfan", ["jamais"]),
    (
        "activite",
        "Non. J'ai arreté le camion apres mon infarctus, ça va faire quatre ans, depuis rien",
        ["plus_deux_ans"],
    ),
    (
        "activite",
        "ouais je bosse, enfin je fais du uber eats quoi, quelques heures par semaine",
        ["en_activite"],
    ),
    ("activite", "oui jsuis au mcdo 12h/semaine en attendant mieux", ["en_activite"]),
    ("situation_actuelle", "là je fais rien je cherche à travailler", ["recherche"]),
    ("contrats", "franchement je prends ce qu'il y a, le contrat ça m'est egal", ["tous"]),
    ("impact_argent", "ouais ça me bloque bien", ["fort"]),
    ("impact_argent", "ça gene mais bon je m'en sors juste, faut pas exagerer", ["moyen"]),
    ("impact_sante", "ça gene mais pas trop, je peux travailler mais pas porter lourd", ["moyen"]),
    ("impact_logement", "bof cest pas ca qui mempeche de taffer", ["aucun"]),
    ("accompagnement", "euh faut voir ce que vous proposez, j'ai pas d'avis la", ["nsp"]),
    ("confiance", "ben mi sait pas trop dire", ["nsp"]),
    (
        "freins",
        "jai plus de carte didentité jlai perdue en détention, jdors chez ma daronne et jai pas "
        "une tune",
        ["papiers", "logement", "argent"],
    ),
    (
        "situations_transport",
        "j'ai le permis depuis 1985 mais la voiture elle est morte l'hiver dernier et le car "
        "passe plus au village, donc j'ai rien pour me deplacer",
        ["permis_b", "aucun_transport"],
    ),
    ("situations_papiers", "jai plus ma carte didentité", ["identite"]),
    (
        "situations_langue",
        "lire et écrire surtout compter ça va je me débrouille",
        ["lire", "ecrire"],
    ),
    (
        "capacite",
        "Pas dans l'immédiat, il faut d'abord que je trouve une place en crèche et un logement.",
        ["non"],
    ),
]


# Answers of the tuning personas writer24 to writer27 (stop 22).
WRITER24_27 = [
    ("contrats", "cdi ou cdd, linterim jen veux plus", ["cdi", "cdd"]),
    ("contrats", "cdi wsh jveux plus d interim", ["cdi"]),
    (
        "situations_transport",
        "permis plus valable il me reste 0 point, jai un velo et le car scolaire 2 fois par jour",
        ["non_valide", "velo", "transports_communs"],
    ),
    (
        "capacite",
        "oui pour faire plus dheures mais seulement pendant que les petits sont a lecole",
        ["partiel"],
    ),
    ("capacite", "oui mais seulement quand les enfant il sont a l'ecole", ["partiel"]),
    (
        "priorites",
        "largent et le logement, enfin non le logement dabord, apres largent",
        ["logement", "argent"],
    ),
    ("impact_transport", "bof ça passe", ["aucun"]),
    ("impact_numerique", "bof pas trop", ["aucun"]),
    ("situations_transport", "navigo + g le code", ["transports_communs", "code"]),
    ("situations_logement", "studio dans le privé, le loyer c chaud 😬", ["prive", "loyer"]),
    ("droits", "rsa oui. la rqth j'ai fait le dossier mdph mais pas encore la reponse", ["rsa"]),
    ("situations_papiers", "perdu ma CNI + dossier caf bloque", ["identite", "droits"]),
    (
        "situations_langue",
        "parler et ecrire. lire un peu ca va. je suis cours OFII",
        ["parler", "ecrire", "fle"],
    ),
    (
        "situations_argent",
        "jai des dete a la banque et je vé o resto du keur",
        ["dettes", "alimentaire"],
    ),
    (
        "impact_sante",
        "Ça dépend des jours, honnêtement. Je dirais que ça me gêne un peu : je n'ai plus de gros "
        "coups de fatigue, mais je reste fragile.",
        ["moyen"],
    ),
    (
        "activite",
        "Non, jamais. Je me suis mariée à dix-neuf ans et je me suis occupée de la maison et de "
        "nos quatre enfants, je n'ai jamais eu d'emploi.",
        ["jamais"],
    ),
    (
        "activite",
        "Non, pas depuis une dizaine d'années. Mon ancien compagnon ne voulait pas que je "
        "travaille.",
        ["plus_deux_ans"],
    ),
    (
        "activite",
        "Non. J'ai été responsable des achats pendant quinze ans, mais j'ai fait un burn-out et "
        "mon dernier jour de travail remonte à un peu plus de trois ans.",
        ["plus_deux_ans"],
    ),
    (
        "freins",
        "Ma santé, bien sûr, et l'argent, car mes revenus ont beaucoup baissé pendant la maladie.",
        ["sante", "argent"],
    ),
    (
        "temps",
        "Peu importe, temps plein ou temps partiel, les deux me conviennent.",
        ["les_deux"],
    ),
]

# Answers of writer22 and writer23 (sealed at stop 22, scored once, then tuned on at stop 23).
WRITER22_23 = [
    (
        "situations_logement",
        "chez mes darons dans un bled perdu ya rien autour",
        ["parents", "rural"],
    ),
    (
        "situation_actuelle",
        "bah je moccupe de mon fils il a 8 mois jsuis toute seule avec lui son pere est parti, "
        "donc au foyer on va dire, jaimerais bien trouver un truc mais pr linstant c complique",
        ["foyer"],
    ),
    (
        "situation_actuelle",
        "je m'occupe de mon fils Yanis à plein temps, il est polyhandicapé",
        ["aidant"],
    ),
    (
        "situation_actuelle",
        "Je m'occupe de mon mari à la maison. Il est à moitié paralysé depuis son AVC et il ne "
        "peut pas rester seul.",
        ["aidant"],
    ),
    ("contrats", "cdi seulement linterim jen ai mar", ["cdi"]),
    ("contrats", "interim cdd j'en ai marre de chercher", ["interim", "cdd"]),
    (
        "freins",
        "alors mon dos surtout jai 2 hernies operees et je peux pas rester debout longtemps, et "
        "linternet aussi je suis nulle avec ca cest ma fille qui maide, sinon le reste ca va",
        ["sante", "numerique"],
    ),
    (
        "freins",
        "Internet, j'ai peur de tout ce qui est en ligne. Le mercredi avec mes petits-enfants. "
        "Et je suis très angoissée, je prends un traitement pour ça",
        ["numerique", "famille", "sante"],
    ),
    ("priorites", "les dettes dabord et les impots", ["argent", "papiers"]),
    (
        "situations_argent",
        "On n'a que le RSA et la petite pension d'invalidité de mon mari, c'est très peu. Et je "
        "vais aux Restos du cœur depuis cet hiver.",
        ["precaire", "alimentaire"],
    ),
    (
        "situations_famille",
        "Mes horaires sont bloqués le mercredi, je garde mes petits-enfants toute la journée",
        ["horaires"],
    ),
    ("situations_famille", "je garde mon petit de 2 ans pas de creche", ["garde"]),
    (
        "confiance",
        "Toute seule je m'embrouille vite, il me faut toujours quelqu'un à côté de moi",
        ["non"],
    ),
    ("confiance", "Non, honnêtement, toute seule je ne m'en sens pas capable.", ["non"]),
    ("confiance", "toute seule", ["oui"]),
    ("confirmation", "Vous pouvez lui transmettre, merci beaucoup", ["oui"]),
    # from the tuning and spent personas, still missed at the start of stop 23
    (
        "droits",
        "J'ai le RSA. J'ai déposé une demande de RQTH à la MDPH, mais je n'ai pas encore de "
        "réponse, donc pour l'instant seulement le RSA.",
        ["rsa"],
    ),
    ("situations_numerique", "g juste un tel, g plus de mail", ["smartphone", "email"]),
    (
        "situations_numerique",
        "j'ai smartphone pour whatsapp, mais email pas. mon grand fils il fait pour moi",
        ["smartphone", "email"],
    ),
    ("confiance", "non, tout seul c dificil", ["non"]),
]

# Answers of the tuning personas writer30 (dictated messages, travellers, seasonal workers) and
# writer31 (form-weary people, French mixed with English, Portuguese or Arabic words), stop 23.
WRITER30_31 = [
    ("droits", "ni l'un ni l'autre pour l'instant la RQTH et en cours à la MDPH", ["aucun"]),
    (
        "situations_langue",
        "lire et écrire surtout pour parler et compter pas de problème",
        ["lire", "ecrire"],
    ),
    ("confirmation", "oui sept bon", ["oui"]),
    ("contrats", "tout sauf l'alternance et l'interim", ["cdi", "cdd", "saisonnier"]),
    (
        "situations_logement",
        "je vis dans mon fourgon amenage et des fois je squatte chez des potes",
        ["mobile", "tiers"],
    ),
    (
        "situations_argent",
        "l'hiver je touche rien du tout meme pas le chomage et je vais aux restos du coeur",
        ["aucune_ressource", "alimentaire"],
    ),
    (
        "situations_famille",
        "mes jumeaux ont 2 ans et j'ai pas de mode de garde et même avec la crèche 8h 18h sa "
        "colle pas avec les horaires de l'entrepôt",
        ["garde", "horaires"],
    ),
    ("temps", "temps partiel non temps plein plutôt", ["plein"]),
    ("niveau", "bac plus 2", ["NV3"]),
    ("capacite", "demain matin si vous voulez", ["oui"]),
    ("rayon", "trente bornes si le bus y va, ce qui m'etonnerait. disons vingt", 20),
    (
        "freins",
        "la thune, les transports, et jvis encore chez mes darons c relou",
        ["argent", "transport", "logement"],
    ),
    (
        "situations_logement",
        "chez mes parents dans un bled paumé au milieu des champs",
        ["parents", "rural"],
    ),
    (
        "situations_argent",
        "jai zero revenu, mes parents me depannent un peu mais voila",
        ["aucune_ressource"],
    ),
    ("impact_numerique", "chwiya, mon fils il m'aide", ["moyen"]),
    ("activite", "sim, I work now, maçon sur chantier", ["en_activite"]),
    ("rayon", "with the car 50 km no problem... well, say 40, the gasóleo is caro", 40),
    ("contrats", "CDI first, CDD ok também, interim não, enough", ["cdi", "cdd"]),
    ("impact_logement", "muito, a lot", ["fort"]),
    ("impact_papiers", "a bit, not so much", ["moyen"]),
    ("confiance", "sozinho? no, not with the french letters", ["non"]),
    ("priorites", "casa first, then the job", ["logement", "emploi"]),
    (
        "freins",
        "L'argent avant tout, j'ai déposé un dossier de surendettement à la Banque de France en "
        "janvier. Le logement aussi, le loyer me prend la moitié de mes allocations. Et ma santé, "
        "mon dos.",
        ["argent", "logement", "sante"],
    ),
    (
        "confiance",
        "Honnêtement, je ne sais plus. Avant, oui, sans hésiter, j'ai tenu l'administratif du "
        "cabinet pendant vingt ans, mais depuis le dossier Banque de France je doute de tout.",
        ["nsp"],
    ),
    ("droits", "euh c'est obligé ? je préfère pas répondre à ça", "skip"),
    ("accompagnement", "pour la garde oui, pour le reste non... donc oui je dirais", ["oui"]),
    # writer32 (fast typers on cheap phones) and writer33 (long courteous messages, one-word
    # answers, French as a second language)
    ("priorites", "un toit dabord, apres le taf", ["logement", "emploi"]),
    (
        "situations_argent",
        "jai juste les allocs cest tres peu, et on mange grace au secours populaire",
        ["precaire", "alimentaire"],
    ),
    (
        "freins",
        "mon dos surtout, largent jsuis tjr juste, et lecrit jsuis nul en ortografe",
        ["sante", "argent", "langue"],
    ),
    ("droits", "non, cest mon mari qui a laah", ["aucun"]),
    (
        "situations_numerique",
        "le reseau passe pas bien au village, et jsuis pas douee avec tout ca",
        ["zone_blanche", "pas_a_l_aise"],
    ),
    (
        "droits",
        "Je ne perçois pas le RSA, et je ne bénéficie pas non plus d'une reconnaissance de "
        "travailleur handicapé.",
        ["aucun"],
    ),
    (
        "contrats",
        "Un CDD me conviendrait parfaitement, voire une mission d'intérim ; en revanche je ne "
        "tiens pas particulièrement à un CDI à mon âge.",
        ["cdd", "interim"],
    ),
    (
        "freins",
        "Je me permets de préciser que je n'ai ni problème de logement ni problème d'argent. En "
        "revanche, internet me pose des difficultés, les transports également depuis que j'ai "
        "vendu ma voiture, et j'ai quelques soucis de santé.",
        ["numerique", "transport", "sante"],
    ),
    ("impact_sante", "Je préférerais ne pas m'étendre sur ce sujet, si vous le permettez.", "skip"),
    (
        "accompagnement",
        "Je n'y serais pas opposée, bien au contraire, notamment pour les candidatures en ligne.",
        ["oui"],
    ),
    (
        "activite",
        "no. in France no work. in Syria i was electricien, before 2019",
        ["plus_deux_ans"],
    ),
    (
        "situations_transport",
        "i have permis from Syria, i must change for french one. no car here, i take bus",
        ["etranger", "transports_communs"],
    ),
    ("impact_papiers", "little bit", ["moyen"]),
    ("situations_argent", "g 0€", ["aucune_ressource"]),
    (
        "activite",
        "Alors... oui, enfin techniquement je suis toujours en CDI, mais je suis en arrêt maladie "
        "depuis sept mois, je ne sais pas si ça compte vraiment comme travailler",
        ["en_activite"],
    ),
    (
        "activite",
        "Oui. J'ai été menuisier à mon compte pendant vingt-cinq ans, mais mon entreprise a été "
        "placée en liquidation il y a huit mois, donc je ne travaille plus.",
        ["deux_ans"],
    ),
    ("activite", "je suis toujours au chomage", None),
    ("accompagnement", "1 surtout pour le financement de la formation", ["oui"]),
    ("impact_transport", "2 pcq jai pas le permis", ["moyen"]),
    ("situation_actuelle", "là je fais rien je cherche à travailler", ["recherche"]),
    ("temps", "plein ou pas plein ca me va pareil", ["les_deux"]),
    # writer34 (Creole of La Reunion and the Antilles, simple words) and writer35 (complicated
    # situations, explained)
    ("niveau", "mi la arrêté l'école en seconde, na poin le bac", ["C12"]),
    (
        "situations_argent",
        "néna juste le RSA et les allocs, c'est pas bcp. et mi doit encore des sous à EDF",
        ["precaire", "dettes"],
    ),
    (
        "situations_transport",
        "na poin loto, na poin permis, mi prend le bus et le tram",
        ["transports_communs"],
    ),
    ("activite", "mi travay pu depi 2021, mi té en métropole, cariste à Lyon", ["plus_deux_ans"]),
    ("droits", "ça mi préfère pa dire", "skip"),
    (
        "freins",
        "le transport surtout, na poin loto et le car i monte pas jusqu'en haut. Internet osi, na "
        "poin réseau. Et le logement. La famille ni la santé non sa va",
        ["transport", "numerique", "logement"],
    ),
    ("impact_argent", "Un peu... beaucoup... bon beaucoup!!! 😅", ["fort"]),
    ("temps", "plein temps, a mi temps on vit pas", ["plein"]),
    ("niveau", "j'ai un bep mecanique, le bac pro je l'ai rate", ["NV5"]),
    (
        "projet",
        "Je ne sais pas trop. Je pensais reprendre dans la compta mais ça a tellement changé, ou "
        "me former peut-être, honnêtement je ne sais pas encore",
        ["aucun"],
    ),
    (
        "situations_argent",
        "Je n'ai plus aucun revenu depuis le décès, l'allocation d'aidant s'est arrêtée",
        ["aucune_ressource"],
    ),
    (
        "projet",
        "trouver du boulot. pas faire encore une formation qui sert a rien",
        ["salariat"],
    ),
    (
        "situations_argent",
        "900 euros avec la prime c pas grand chose, et jai un credit a rembourser",
        ["precaire", "dettes"],
    ),
    # writer36 (people aged 16 to 25) and writer37 (people aged 45 to 64, some born abroad)
    ("niveau", "le 2 je crois, jai arreté en plein milieu de la 4e", ["CP4"]),
    ("freins", "les 3 premiers", ["logement", "argent", "transport"]),
    ("confiance", "ouais tkt jsais faire", ["oui"]),
    ("confiance", "je sais pas faire", ["non"]),
    ("confiance", "je sais pas", ["nsp"]),
    ("niveau", "licence information-communication, donc trois ans après le bac", ["NV2"]),
    (
        "contrats",
        "CDI idéalement, CDD ça passe, intérim... non pas l'intérim finalement",
        ["cdi", "cdd"],
    ),
    (
        "freins",
        "l'argent surtout, le logement aussi, et la santé un peu, le moral quoi. internet non "
        "évidemment",
        ["argent", "logement", "sante"],
    ),
    (
        "situations_logement",
        "studio dans le privé, 540€ par mois, c'est de plus en plus dur à payer",
        ["prive", "loyer"],
    ),
    ("activite", "ui je taf o mcdo la nui", ["en_activite"]),
    ("rayon", "vint kilomètre", 20),
    ("contrats", "osef tan ke cé en journé", ["tous"]),
    ("temps", "le plus d'heures possible, toute la semaine", ["plein"]),
    ("temps", "partiel abi, plein temps les genoux tiennent pas", ["partiel"]),
    (
        "freins",
        "la sante les genoux. et lire ecrire le francais c pas facile. internet aussi",
        ["sante", "langue", "numerique"],
    ),
    ("confiance", "plus ou moins... non en vrai tout seul j y arrive pas", ["non"]),
    (
        "situations_papiers",
        "savoir à quoi j'ai droit, la retraite et tout ça, et les impôts aussi je comprends pas "
        "les lettres",
        ["droits", "impots"],
    ),
    ("contrats", "CDI si possible. CDD aussi ça va. l'intérim no más", ["cdi", "cdd"]),
    (
        "priorites",
        "los papeles primero, después el trabajo, y el francés",
        ["papiers", "emploi", "langue"],
    ),
    (
        "situations_famille",
        "je m occupe de ma mere qui perd la tete, du coup je peux bosser que l apres midi",
        ["aidant", "horaires"],
    ),
    (
        "situations_numerique",
        "pas d internet a la maison, ca capte a peine dans le hameau, et j ai pas d adresse mail",
        ["connexion", "zone_blanche", "email"],
    ),
    # writer28/29 (sealed at the start of stop 23, scored once at its end: 178/197; then tuned)
    (
        "situations_papiers",
        "carte d id perimee et jai pas fait mes impots depuis 2021",
        ["identite", "impots"],
    ),
    (
        "situations_argent",
        "tres peu de revenus, et je vais au resto du coeur",
        ["precaire", "alimentaire"],
    ),
    ("situations_transport", "jai le permis b et une vieille clio", ["permis_b", "vehicule"]),
    ("priorites", "un cdi de jour, ensuite reparer la voiture", ["emploi", "transport"]),
    ("droits", "les 2, jai eu la rqth en janvier", ["rsa", "rqth"]),
    ("droits", "les deux", ["rsa", "rqth"]),
    ("freins", "les 2", None),
    ("capacite", "a temps partiel oui pas plus de 20h avec mon dos", ["partiel"]),
    (
        "freins",
        "Je dirais surtout l'informatique, tout se fait sur internet maintenant et c'était mon "
        "épouse, paix à son âme, qui s'occupait de cela. Il y a aussi mon dos, et le transport "
        "car ma voiture a bientôt vingt ans.",
        ["numerique", "sante", "transport"],
    ),
    (
        "activite",
        "yes I work last summer in hotel in Annecy, femme de chambre. now no work",
        ["deux_ans"],
    ),
    ("capacite", "yes but only part time, morning I have french course", ["partiel"]),
    ("rayon", "15 km.. no sorry, 10 km maximum, by bus is very long", 10),
    ("contrats", "all is ok for me, no matter which contract", ["tous"]),
    ("confiance", "I dont know.. with french it is difficult alone", ["nsp"]),
    (
        "freins",
        "La famille surtout avec mon mari, l'argent on a que le rsa et son AAH, et la santé.. non "
        "pas la santé c'est lui qui est malade pas moi. Et le logement aussi, trop petit",
        ["famille", "argent", "logement"],
    ),
]


# Stop 24: several options where one answer is expected; what one had is not what one has.
STOP24 = [
    ("niveau", "les 2", None),  # was read as the 2nd option ("Primaire a 4e")
    ("niveau", "les deux", None),
    ("niveau", "les 2 premiers", None),
    ("temps", "les 2", ["les_deux"]),  # "Les deux" is an option of its own there
    (
        "situations_transport",
        "j'ai le permis B + le C poids lourd, mais plus de vehicule, le camion était en leasing",
        ["permis_b", "autres_permis"],
    ),
    (
        "situations_transport",
        "j'avais une voiture mais je l'ai vendue, je prends le bus",
        ["transports_communs"],
    ),
    ("situations_transport", "j'ai vendu ma voiture, je prends le bus", ["transports_communs"]),
    ("situations_transport", "le bus. j'avais un scooter avant", ["transports_communs"]),
    ("situations_transport", "j'ai toujours la voiture qui etait a mon pere", ["vehicule"]),
    ("situations_logement", "j'etais a la rue, maintenant je suis chez ma soeur", ["tiers"]),
    # one said fine makes a later "non" a difficulty, and "aussi" fine too
    ("situations_langue", "parler ca va. lire et ecrire non", ["lire", "ecrire"]),
    (
        "situations_langue",
        "parler ok. ecrire difficile. je fais cours de francais",
        ["ecrire", "fle"],
    ),
    ("situations_langue", "écrire surtout. parler ça va, lire aussi", ["ecrire"]),
    ("situations_langue", "lire non", None),
    # both, one of them second best
    (
        "temps",
        "temps plein ca serait le mieux mais partiel ca va aussi si ca complete mes heures",
        ["les_deux"],
    ),
    ("temps", "plein temps de preference, partiel sinon", ["les_deux"]),
    ("temps", "plein temps, pas partiel sinon je m'en sors pas", ["plein"]),
    # a place in the list, said in words; numbers, then why
    ("droits", "le dernier", ["aucun"]),
    ("droits", "l'an dernier", None),
    ("impact_transport", "celui du milieu", ["moyen"]),
    ("impact_transport", "le premier, sans voiture les entrepots c mort", ["fort"]),
    ("niveau", "le 2, jai quitte l ecole a 14 ans", ["CP4"]),
    ("niveau", "la 2e", None),  # the 2nd option or "la seconde"? school years are ordinals
    ("temps", "la 2e", ["partiel"]),
    ("niveau", "5e", ["CP4"]),  # the school year, not the 5th option
    ("niveau", "4e", None),  # "Primaire a 4e" or "4e finie"
    ("niveau", "j ai pas de diplome je suis allee jusqu en 5e", ["CP4"]),
    ("niveau", "en 3e sans le brevet", ["CFG"]),
    ("contrats", "les deux premiers", ["cdi", "cdd"]),
    ("situations_argent", "le 2 et le 6, je vais aux restos du coeur", ["precaire", "alimentaire"]),
    # a relative's, not the person's
    (
        "situations_transport",
        "Moi j'ai pas le permis. Mon mari a le permis et la voiture mais il part avec a 5h.\n"
        "Donc moi c'est le bus",
        ["transports_communs"],
    ),
    (
        "activite",
        "non jamais travaillé, juste un stage en 3e. mon grand frere lui il bosse en interim "
        "depuis 2 ans",
        ["jamais"],
    ),
    (
        "situations_numerique",
        "L'ordinateur c'est celui de mon fils, moi j'ai juste mon telephone",
        ["smartphone"],
    ),
    ("droits", "pas le rsa non. la rqth c'est pour mon mari pas moi", ["aucun"]),
    ("situations_transport", "mon mari a le permis et moi j'ai le code", ["code"]),
    ("situations_logement", "je vis chez ma mere", ["parents"]),
    ("priorites", "ma mere dabord donc la famille et apres largent", ["famille", "argent"]),
    # a yes said after a no
    ("consentement", "non mais oui allez y", ["oui"]),
    ("confirmation", "non non c bon vous pouvez envoyer", ["oui"]),
    ("confirmation", "non c'est bon", ["non"]),
    ("confirmation", "non ne l'envoyez pas", ["non"]),
    ("confiance", "ma femme dit que j'y arriverai pas mais si, je peux le faire seul", ["oui"]),
    ("confiance", "non pas seul mais oui avec de l'aide", ["non"]),
    # writer38/39, scored once as sealed (184/194), then tuned on
    ("droits", "on prefere pas repondre a ça", "skip"),
    (
        "situations_logement",
        "il dort chez un pote depuis qu'il est parti de chez sa mere",
        ["tiers"],
    ),
    (
        "situations_argent",
        "zero revenu et il a des amendes de train a payer",
        ["aucune_ressource", "dettes"],
    ),
    (
        "situations_transport",
        "il a plus le permis, il a ete annulé. il fait tout en velo",
        ["non_valide", "velo"],
    ),
    ("confiance", "bof il sait pas trop", ["nsp"]),
    ("situation_actuelle", "elle s'occupe de mon pere a plein temps, il a fait un avc", ["aidant"]),
    ("situations_famille", "elle s'occupe de mon pere, il peut pas rester seul", ["aidant"]),
    (
        "freins",
        "la famille avec mon pere malade, l'argent, et le logement",
        ["famille", "argent", "logement"],
    ),
    ("priorites", "l'argent d'abord, et le loyer", ["argent", "logement"]),
    ("freins", "L'argent surtout, et les papiers qui traînent.", ["argent", "papiers"]),
    ("impact_papiers", "Un peu, disons que ça me bloque pour repartir à mon compte.", ["moyen"]),
    ("rayon", "20 km, disons 25", 25),
    ("consentement", "oui mais non", ["non"]),  # was read as a yes to the consent
    ("consentement", "oui mais non merci", ["non"]),
    ("consentement", "oui mais vite", ["oui"]),
    # regional words, any of them, refusals
    ("contrats", "cdi ou cdd, mais pu d'interim j'en ai trop fait", ["cdi", "cdd"]),
    (
        "situations_transport",
        "j'ai l'permis mais pu d'carrette, elle a rendu l'ame. j'prends l'bus",
        ["permis_b", "transports_communs"],
    ),
    ("contrats", "ca m'est egal, cdi cdd interim, n'importe", ["tous"]),
    ("contrats", "cdi ou cdd peu importe, tant que c'est pas de l'intérim", ["cdi", "cdd"]),
    ("droits", "ca c'est personnel, je prefere pas dire", "skip"),
    ("droits", "ca je prefere le dire au conseiller en face", "skip"),
    ("impact_famille", "je prefere le dire au conseiller", ["conseiller"]),
    # with someone, or someone's, is not at their home; not able to go back is not there
    (
        "situations_logement",
        "je vis chez ma mere, avec mes 2 petits freres et ma soeur",
        ["parents"],
    ),
    (
        "situations_logement",
        "on est a l'hotel du 115 depuis 5 mois, une chambre a 3 avec le petit de ma copine",
        ["hotel"],
    ),
    ("situations_logement", "ma soeur m'heberge", ["tiers"]),
    (
        "situations_logement",
        "je dors chez un pote depuis 2 mois, je peux pas retourner chez mes parents",
        ["tiers"],
    ),
    ("situations_logement", "je peux plus rester chez ma soeur", ["tiers"]),
    ("situations_logement", "je peux pas payer le loyer", ["loyer"]),
    # a first clause that is a whole label answers, unless taken back
    ("activite", "non jamais, jai arrete le lycee lan dernier", ["jamais"]),
    ("impact_transport", "un peu, ça va, je m'organise", ["moyen"]),
    ("impact_papiers", "Pas vraiment... si, un peu quand même, ça me prend du temps", ["moyen"]),
    # was in it, ended; words
    (
        "niveau",
        "jai arreté en premiere, jetais en bac pro electricite mais jai lâché apres le covid",
        ["C12"],
    ),
    ("situation_actuelle", "jcherche du taf, l'ecole c fini pr moi", ["recherche"]),
    ("situations_papiers", "mon titre de sejour fini en mars il faut renouveler", ["identite"]),
    (
        "emploi_actuel",
        "je suis en contrat insertion au Relais, je fais le menage. le contrat fini en mars",
        ["insertion"],
    ),
    ("niveau", "j'ai pas été beaucoup à l'école jusqu'au CM2 à peu près", ["CP4"]),
    ("projet", "me metre a mon conte en petite maconerie", ["entreprise"]),
    # typed by a relative for the person: about the person, not someone else
    ("droits", "mon pere a le rsa", ["rsa"]),
    ("droits", "moi j'ai rien, mon mari a le rsa", ["aucun"]),
    ("activite", "ma mere a travaille l'an dernier a carrefour", ["deux_ans"]),
    ("activite", "mon pere a jamais travaille", ["jamais"]),
    # writer44-46: numbers that are not the list's, thinking aloud, a rank, a walk to the bus
    ("activite", "non pas depuis 2022, jai fait 3 mois a l'usine c tout", ["plus_deux_ans"]),
    ("confiance", "seul ? je sais pas trop... je dirais non", ["non"]),
    ("impact_argent", "entre un peu et beaucoup... je dirais beaucoup", ["fort"]),
    (
        "situation_actuelle",
        "au foyer ou en recherche ? je cherche quand meme donc en recherche",
        ["recherche"],
    ),
    ("situation_actuelle", "je suis au foyer donc je cherche pas", ["foyer"]),
    (
        "emploi_actuel",
        "c'est interim ou salarie ? c'est une agence qui m'envoie donc interim",
        ["interim"],
    ),
    (
        "situations_transport",
        "je pren le bus. jé u le code lané dernié mais pa la conduite",
        ["transports_communs", "code"],
    ),
    (
        "situations_transport",
        "jai eu le code en mars mais pas les sous pr les heures de conduite",
        ["code"],
    ),
    (
        "situations_transport",
        "uniquement le bus et le tram à pied avec ma canne",
        ["transports_communs"],
    ),
    ("situations_transport", "a pied", ["aucun_transport"]),
    ("situations_transport", "aucun transport, j'ai le permis", ["aucun_transport", "permis_b"]),
    (
        "situations_transport",
        "scooter. ah non il est en panne depuis 2 mois. trottinette du coup. et permis en cours",
        ["velo", "en_cours"],
    ),
    ("priorites", "le transport en 1er, apres la formation", ["transport", "formation"]),
    (
        "situations_logement",
        "chez ma mere avec mes 2 petits freres, dans un village de 400 habitants",
        ["parents", "rural"],
    ),
    ("situations_logement", "Je dors chez un ami de mon village, c est pas chez moi", ["tiers"]),
    (
        "freins",
        "la famille et l argent... le transport ca va j'ai le bus en bas",
        ["famille", "argent"],
    ),
    ("impact_argent", "ouais ça me bloque bien", ["fort"]),
    (
        "freins",
        "ma vue surtout donc la santé, et internet avec mon lecteur d'écran",
        ["sante", "numerique"],
    ),
    (
        "situations_numerique",
        "j'ai un smartphone depuis 2 ans mais je sais pas m'en servir",
        ["smartphone", "pas_a_l_aise"],
    ),
    ("niveau", "le CFG c'est quoi deja... bon moi j'ai fini la 4e et apres j'ai arreté", ["CFG"]),
    (
        "freins",
        "Le logement et l'argent.\nDepuis le divorce j'ai plus de chez moi. Mon ex femme a gardé "
        "la maison, c'est normal elle a les petits enfants le mercredi",
        ["logement", "argent"],
    ),
    (
        "freins",
        "l'informatique, c'était mon épouse qui s'occupait de cela. Il y a aussi mon dos",
        ["numerique", "sante"],
    ),
    (
        "freins",
        "le logement, largent et ma santé. franchement tout sauf le transport, jai mon permis",
        ["logement", "argent", "sante"],
    ),
    ("contrats", "cdi cdd, a part l'interim", ["cdi", "cdd"]),
    (
        "activite",
        "moi travail avant oui. usine emballage 8 ans. fini année dernière. maintenant non",
        ["deux_ans"],
    ),
    ("confiance", "non, tout seul c dificil", ["non"]),
]


# Stop 25: tuning answers and sentences like them.
STOP25 = [
    # "pas loin de" is "almost": nothing denied
    ("situations_argent", "on a perdu pas loin de 1200 euros depuis son licenciement", ["baisse"]),
    ("situations_transport", "j'ai un arret de bus pas loin de chez moi", ["transports_communs"]),
    # a partner's parents are someone else's home, not the parental one
    ("situations_logement", "je dors chez la mere de ma copine", ["tiers"]),
    ("situations_logement", "chez les parents de mon copain pour l'instant", ["tiers"]),
    ("situations_logement", "chez ma mere et mon beau pere", ["parents"]),
    # sealed writer47/48, scored once (176/178), then read: asides were stored as answers
    ("rayon", "pardon je descend du bus 2 sec", None),
    ("rayon", "30 minutes en bus", None),
    ("rayon", "j'ai 3 enfants donc 10 km pas plus", 10),
    ("confiance", "c long encore ? jarrive a la creche", None),
    ("confiance", "jy arrive pas tout seul", ["non"]),
    # tried in the simulator: "bosser" was asked again
    ("projet", "bosser", ["salariat"]),
    ("projet", "je veux pas bosser pour un patron, je veux ma boite", ["entreprise"]),
    # "Autre" named by what it is: asked to say more in the next question
    ("situations_argent", "des dettes et je suis interdit bancaire", ["dettes", "autre"]),
    (
        "situations_papiers",
        "le titre de sejour, et aussi l'equivalence du diplome",
        ["identite", "autre"],
    ),
]


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        (
            "le travail d'abord, et le transport. non en fait l'inverse, le transport d'abord, "
            "sans voiture je peux pas aller bosser",
            ["transport", "emploi"],
        ),
        ("argent puis logement... non en fait linverse", ["logement", "argent"]),
    ],
)
def test_the_other_way_round_reverses_the_priorities(text, expected):
    parsed = parse("priorites", text)
    assert (parsed.kind, parsed.value) == ("answer", expected)


def _same(value):
    return sorted(value) if isinstance(value, list) else value


@pytest.mark.parametrize(
    ("key", "text", "expected"),
    [
        *WRITER8_9,
        *WRITER12_13,
        *WRITER14_15,
        *WRITER16_17,
        *WRITER18_19,
        *WRITER20_21,
        *WRITER22_23,
        *WRITER24_27,
        *WRITER30_31,
        *STOP24,
        *STOP25,
    ],
)
def test_persona_answers(key, text, expected):
    """A sentence from a persona of a past round, read as its author meant it ("skip": the
    person declines to answer; None: not understood, asked again)."""
    parsed = parse(key, text)
    if expected == "skip":
        assert parsed.kind == "skip"
    elif expected is None:  # not understood: asked again, never a guess stored
        assert parsed.kind == "unclear"
    else:
        assert (parsed.kind, _same(parsed.value)) == ("answer", _same(expected))


@pytest.mark.parametrize(
    "text", ["ça je reponds pas, c'est entre moi et mon medecin", "Je ne souhaite pas répondre."]
)
def test_a_refusal_after_a_pointing_word_skips(text):
    assert parse("impact_sante", text).kind == "skip"


def test_a_bare_no_still_leaves_two_options_open():
    assert parse("activite", "non").options == ["plus_deux_ans", "jamais"]


@pytest.mark.parametrize("text", ["bof", "ça", "moi", "?", "...", "ben", "la", "😬", "a"])
def test_every_question_reads_a_lone_short_word_without_failing(text):
    questionnaire = load_questionnaire()
    for question in questionnaire.questions:
        assert parse_answer(question, question.options, text).kind in get_args(Kind)


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        (
            "sozinho zzbound no zzbound not with the letters",
            "seul zzbound non zzbound pas with the letters",
        ),
        ("i live in a mobil home no camping", "i live in a mobil home no camping"),
        ("le car passe plus", "le car passe plus"),
        ("sim i work now", "oui je travaille now"),
        ("pas de carte sim", "pas de carte sim"),
        ("casa first then the job", "logement d abord puis the job"),
    ],
)
def test_foreign_words_read_in_french(text, expected):
    """A lone "no" is a no; "no camping" is Portuguese for "in the campsite"; French words
    that look English ("car") stay."""
    assert in_french(text) == expected
