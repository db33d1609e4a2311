"""Plain French for the orientation codes (referents read these; exports keep the codes)."""

from __future__ import annotations

PARCOURS_LABELS = {
    "PED": "Parcours professionnel / emploi",
    "PSP": "Parcours socio-professionnel",
    "PSO": "Parcours social / remobilisation",
    "EO": "Entretien d'orientation nécessaire",
    "IND": "Indéterminé",
}

STATUS_LABELS = {"PRECONISE": "Proposé, à décider", "DECIDE": "Décidé"}

DECISION_LABELS = {"ACCEPTEE": "Acceptée", "REFUSEE": "Refusée"}

# The national list of motifs for refusing a suggested orientation.
MOTIF_REFUS_LABELS = {
    "DECLARATION_INEXACTE": "Déclaration inexacte",
    "SITUATION_NON_COUVERTE": "Situation non couverte par les critères",
    "APPRECIATION_DIFFERENTE": "Appréciation différente",
    "MANQUE_CAPACITE_ACCUEIL": "Manque de capacité d'accueil",
    "ENTRETIEN_ORIENTATION": "Entretien d'orientation nécessaire",
    "AUTRE": "Autre motif",
}

_IMPACT_VALUES = {
    "IMPACT_FORT_RECHERCHE_EMPLOI": "Gêne beaucoup la recherche d'emploi",
    "IMPACT_FAIBLE_RECHERCHE_EMPLOI": "Gêne un peu la recherche d'emploi",
    "AUCUNE": "Aucune gêne",
}

# calculOrientation input: field -> value -> French.
VALUE_LABELS: dict[str, dict[str, str]] = {
    "situation_professionnelle": {
        "EN_ACTIVITE": "En activité",
        "DEUX_DERNIERES_ANNEES": "A travaillé ces 2 dernières années, plus maintenant",
        "PLUS_DEUX_ANS": "Pas d'activité depuis plus de 2 ans",
        "JAMAIS": "N'a jamais travaillé",
    },
    "type_emploi": {
        "SAISONNIER": "Saisonnier",
        "ARTISTE_OU_AUTEUR": "Artiste ou auteur",
        "INTERMITTENT_SPECTACLE": "Intermittent du spectacle",
        "EXPLOITANT_AGRICOLE": "Exploitant agricole",
        "ASSISTANTE_MATERNELLE": "Assistante maternelle",
        "CREATEUR_ENTREPRISE_OU_INDEPENDANT": "Créateur d'entreprise ou indépendant",
        "AUTRE": "Autre emploi",
    },
    "projet_pro": {
        "SALARIAT": "Trouver un emploi salarié",
        "ENTREPRENARIAT": "Créer son activité",
        "FORMATION": "Se former",
        "AUCUN": "Pas encore de projet",
    },
    "contrainte_sante": {
        "INCAPACITE_RECHERCHE_ACTIVITE_PRO": "Ne peut pas chercher d'emploi pour l'instant",
        **_IMPACT_VALUES,
    },
    "contrainte_logement": {
        "SANS_LOGEMENT": "Sans logement",
        "PROCEDURE_EXPULSION": "Procédure d'expulsion",
        **_IMPACT_VALUES,
    },
    "contrainte_mobilite": {
        "AUCUN_MOYEN_DE_TRANSPORT": "Aucun moyen de transport",
        "DEPENDANT_TRANSPORT": "Dépend des transports en commun",
        "AUTRE": "Autre difficulté de transport",
        "AUCUNE": "Aucune gêne",
    },
    "contrainte_familiale": {
        "AIDANT_FAMILIAL": "S'occupe d'un proche",
        "ENFANT_SANS_SOLUTION_GARDE": "Enfant sans solution de garde",
        **_IMPACT_VALUES,
    },
    "contrainte_financiere": dict(_IMPACT_VALUES),
    "contrainte_numerique": {
        "NON_ACCES_INTERNET": "Pas d'accès à internet",
        "NON_MAITRISE": "Ne maîtrise pas le numérique",
        "REFUS": "Refuse le numérique",
        "AUCUNE": "Aucune gêne",
    },
    "contrainte_administrative_juridique": dict(_IMPACT_VALUES),
    "contrainte_francais_calcul": dict(_IMPACT_VALUES),
}

# calculOrientation input fields, as a referent reads them.
FIELD_LABELS = {
    "situation_professionnelle": "Activité récente",
    "type_emploi": "Type d'emploi",
    "niveau_etude": "Niveau d'études",
    "capacite_a_travailler": "Peut travailler bientôt",
    "projet_pro": "Projet",
    "contrainte_sante": "Santé",
    "contrainte_logement": "Logement",
    "contrainte_mobilite": "Transport, mobilité",
    "contrainte_familiale": "Famille",
    "contrainte_financiere": "Argent",
    "contrainte_numerique": "Numérique",
    "contrainte_administrative_juridique": "Papiers, démarches",
    "contrainte_francais_calcul": "Lire, écrire, compter",
    "brsa": "Bénéficiaire du RSA",
    "boe": "Bénéficiaire de l'obligation d'emploi (RQTH)",
    "boe_souhait_accompagnement": "Souhaite un accompagnement spécialisé (handicap)",
    "baeeh": "A bénéficié de l'AEEH",
    "scolarite_etablissement_specialise": "Scolarité en établissement spécialisé",
    "esat": "Travaille ou a travaillé en ESAT",
}

# The name of each frein inside a reason ("logement : impact fort").
FREIN_NAMES = {
    "contrainte_logement": "logement",
    "contrainte_financiere": "argent",
    "contrainte_mobilite": "transport",
    "contrainte_sante": "santé",
    "contrainte_familiale": "famille",
    "contrainte_francais_calcul": "lire, écrire, compter",
    "contrainte_numerique": "numérique",
    "contrainte_administrative_juridique": "papiers, démarches",
}

IMPACT_LABELS = {"FORT": "Fort", "MOYEN": "Moyen", "AUCUNE": "Aucun"}

POUVOIR_D_AGIR_LABELS = {"OUI": "Oui", "NON": "Non", "NE_SAIT_PAS": "Ne sait pas"}


def value_label(field: str, value: object) -> str:
    """A criterion's value in French ('Non renseigné' when unknown)."""
    if value is None:
        return "Non renseigné"
    if isinstance(value, bool):
        return "Oui" if value else "Non"
    if field == "niveau_etude":
        from backend.services.referential import cdb_referential

        return str(cdb_referential()["education_level"].get(value, value))
    return VALUE_LABELS.get(field, {}).get(str(value), str(value))
