"""International organisations and alliances, by the acronym the API uses for them.

A curated table: no package lists these with the names readouts use. An organisation acting as a
party ("UN Secretary-General António Guterres") has its acronym where a country code would stand.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache

from app.reference.countries import fold_label


@dataclass(frozen=True, slots=True)
class Organization:
    code: str
    name: str
    aliases: tuple[str, ...] = ()


ORGANIZATIONS: tuple[Organization, ...] = (
    Organization("UN", "United Nations", ("U.N.", "UNO", "United Nations Organization")),
    Organization("UNSC", "United Nations Security Council", ("UN Security Council", "U.N. Security Council", "Security Council")),
    Organization("UNGA", "United Nations General Assembly", ("UN General Assembly", "U.N. General Assembly")),
    Organization("EU", "European Union", ("E.U.",)),
    Organization("NATO", "North Atlantic Treaty Organization", ("North Atlantic Alliance", "OTAN")),
    Organization("CSTO", "Collective Security Treaty Organization", ("Collective Security Treaty Organisation", "ODKB")),
    Organization("CIS", "Commonwealth of Independent States"),
    Organization("EAEU", "Eurasian Economic Union", ("EAEU", "EEU", "Eurasian Economic Community", "EurAsEC")),
    Organization("SCO", "Shanghai Cooperation Organisation", ("Shanghai Cooperation Organization",)),
    Organization("BRICS", "BRICS"),
    Organization("G7", "Group of Seven", ("G-7", "Group of 7")),
    Organization("G8", "Group of Eight", ("G-8",)),
    Organization("G20", "Group of Twenty", ("G-20", "Group of 20")),
    Organization("OSCE", "Organization for Security and Co-operation in Europe",
                 ("Organization for Security and Cooperation in Europe", "Organisation for Security and Co-operation in Europe")),
    Organization("CoE", "Council of Europe"),
    Organization("ASEAN", "Association of Southeast Asian Nations", ("Association of South East Asian Nations",)),
    Organization("APEC", "Asia-Pacific Economic Cooperation", ("Asia Pacific Economic Cooperation",)),
    Organization("AU", "African Union"),
    Organization("OAS", "Organization of American States"),
    Organization("CELAC", "Community of Latin American and Caribbean States"),
    Organization("MERCOSUR", "Mercosur", ("Southern Common Market",)),
    Organization("ECOWAS", "Economic Community of West African States"),
    Organization("SADC", "Southern African Development Community"),
    Organization("IGAD", "Intergovernmental Authority on Development"),
    Organization("GCC", "Gulf Cooperation Council", ("Cooperation Council for the Arab States of the Gulf",)),
    Organization("LAS", "League of Arab States", ("Arab League",)),
    Organization("OIC", "Organisation of Islamic Cooperation", ("Organization of Islamic Cooperation",)),
    Organization("OPEC", "Organization of the Petroleum Exporting Countries", ("OPEC+",)),
    Organization("OECD", "Organisation for Economic Co-operation and Development",
                 ("Organization for Economic Cooperation and Development",)),
    Organization("WTO", "World Trade Organization"),
    Organization("WHO", "World Health Organization"),
    Organization("IMF", "International Monetary Fund"),
    Organization("WB", "World Bank", ("World Bank Group",)),
    Organization("IAEA", "International Atomic Energy Agency"),
    Organization("UNESCO", "United Nations Educational, Scientific and Cultural Organization"),
    Organization("UNICEF", "United Nations Children's Fund"),
    Organization("UNHCR", "United Nations High Commissioner for Refugees", ("UN Refugee Agency",)),
    Organization("UNDP", "United Nations Development Programme"),
    Organization("WFP", "World Food Programme"),
    Organization("FAO", "Food and Agriculture Organization"),
    Organization("ICRC", "International Committee of the Red Cross"),
    Organization("ICC", "International Criminal Court"),
    Organization("ICJ", "International Court of Justice"),
    Organization("CICA", "Conference on Interaction and Confidence-Building Measures in Asia"),
    Organization("PIF", "Pacific Islands Forum"),
    Organization("CARICOM", "Caribbean Community"),
    Organization("NAM", "Non-Aligned Movement"),
    Organization("QUAD", "Quadrilateral Security Dialogue", ("Quad",)),
    Organization("AUKUS", "AUKUS"),
    Organization("CPTPP", "Comprehensive and Progressive Agreement for Trans-Pacific Partnership", ("TPP-11",)),
    Organization("RCEP", "Regional Comprehensive Economic Partnership"),
    Organization("EBRD", "European Bank for Reconstruction and Development"),
    Organization("AIIB", "Asian Infrastructure Investment Bank"),
    Organization("ADB", "Asian Development Bank"),
    Organization("UNION_STATE", "Union State of Belarus and Russia", ("Union State",)),
    Organization("COMMONWEALTH", "Commonwealth of Nations", ("the Commonwealth",)),
    Organization("INTERPOL", "International Criminal Police Organization", ("Interpol",)),
    Organization("OPCW", "Organisation for the Prohibition of Chemical Weapons"),
    Organization("CTBTO", "Comprehensive Nuclear-Test-Ban Treaty Organization"),
    Organization("IEA", "International Energy Agency"),
    Organization("ILO", "International Labour Organization"),
    Organization("IOM", "International Organization for Migration"),
    Organization("UNRWA", "United Nations Relief and Works Agency for Palestine Refugees"),
    Organization("EFTA", "European Free Trade Association"),
    Organization("BSEC", "Organization of the Black Sea Economic Cooperation"),
    Organization("GUAM", "GUAM Organization for Democracy and Economic Development"),
    Organization("OTS", "Organization of Turkic States", ("Turkic Council",)),
    Organization("EAS", "East Asia Summit"),
    Organization("EBU", "European Broadcasting Union"),
    Organization("P5+1", "P5+1", ("E3+3", "EU3+3")),
    Organization("ARF", "ASEAN Regional Forum"),
    Organization("IPU", "Inter-Parliamentary Union"),
    Organization("PACE", "Parliamentary Assembly of the Council of Europe"),
    Organization("UNHRC", "United Nations Human Rights Council", ("UN Human Rights Council", "Human Rights Council")),
    Organization("IFAD", "International Fund for Agricultural Development"),
    Organization("UNEP", "United Nations Environment Programme"),
    Organization("UNFCCC", "United Nations Framework Convention on Climate Change"),
    Organization("ECO", "Economic Cooperation Organization"),
    Organization("IsDB", "Islamic Development Bank"),
    Organization("NDB", "New Development Bank"),
)


@lru_cache(maxsize=1)
def organizations_by_code() -> dict[str, Organization]:
    return {org.code: org for org in ORGANIZATIONS}


@lru_cache(maxsize=1)
def _labels() -> dict[str, str]:
    labels: dict[str, str] = {}
    for org in ORGANIZATIONS:
        for label in (org.code, org.name, *org.aliases):
            labels.setdefault(fold_label(label), org.code)
    return labels


def resolve_organization(text: str) -> str | None:
    """The acronym for an organisation's acronym, name or alias; None when unknown."""
    return _labels().get(fold_label(text))
