"""GHS hazard statements (H-codes), and the licence category handling goods of each needs.

The statements are those of the UN GHS (Rev. 10) with the EU CLP's sub-divided variants (H350i, H360Fd, ...).
A statement maps to a licence category when storing or receiving such goods is commonly licensed: explosives,
flammables, oxidisers, gases under pressure, corrosives and the acutely toxic or CMR substances. The other
statements (irritants, harmful, environmental) are known and shown, but need no licence.
"""

from dataclasses import dataclass

from pydantic_core import PydanticCustomError


@dataclass(frozen=True)
class Hazard:
    code: str
    statement: str
    category: str | None  # the licence category needed to receive it; None: no licence


CATEGORIES = ("explosive", "flammable", "oxidizing", "gas", "corrosive", "toxic")

_BY_CATEGORY: dict[str | None, dict[str, str]] = {
    "explosive": {
        "H200": "Unstable explosive",
        "H201": "Explosive; mass explosion hazard",
        "H202": "Explosive; severe projection hazard",
        "H203": "Explosive; fire, blast or projection hazard",
        "H204": "Fire or projection hazard",
        "H205": "May mass explode in fire",
        "H206": "Fire, blast or projection hazard; increased risk of explosion if desensitizing agent is reduced",
        "H207": "Fire or projection hazard; increased risk of explosion if desensitizing agent is reduced",
        "H208": "Fire hazard; increased risk of explosion if desensitizing agent is reduced",
        "H209": "Explosive",
        "H210": "Very sensitive",
        "H211": "May be sensitive",
        "H240": "Heating may cause an explosion",
        "H241": "Heating may cause a fire or explosion",
    },
    "flammable": {
        "H220": "Extremely flammable gas",
        "H221": "Flammable gas",
        "H222": "Extremely flammable aerosol",
        "H223": "Flammable aerosol",
        "H224": "Extremely flammable liquid and vapour",
        "H225": "Highly flammable liquid and vapour",
        "H226": "Flammable liquid and vapour",
        "H228": "Flammable solid",
        "H230": "May react explosively even in the absence of air",
        "H231": "May react explosively even in the absence of air at elevated pressure and/or temperature",
        "H232": "May ignite spontaneously if exposed to air",
        "H242": "Heating may cause a fire",
        "H250": "Catches fire spontaneously if exposed to air",
        "H251": "Self-heating; may catch fire",
        "H252": "Self-heating in large quantities; may catch fire",
        "H260": "In contact with water releases flammable gases which may ignite spontaneously",
        "H261": "In contact with water releases flammable gas",
        "H282": "Extremely flammable chemical under pressure: may explode if heated",
        "H283": "Flammable chemical under pressure: may explode if heated",
    },
    "oxidizing": {
        "H270": "May cause or intensify fire; oxidizer",
        "H271": "May cause fire or explosion; strong oxidizer",
        "H272": "May intensify fire; oxidizer",
    },
    "gas": {
        "H229": "Pressurized container: may burst if heated",
        "H280": "Contains gas under pressure; may explode if heated",
        "H281": "Contains refrigerated gas; may cause cryogenic burns or injury",
        "H284": "Chemical under pressure: may explode if heated",
    },
    "corrosive": {
        "H290": "May be corrosive to metals",
        "H314": "Causes severe skin burns and eye damage",
    },
    "toxic": {
        "H300": "Fatal if swallowed",
        "H301": "Toxic if swallowed",
        "H310": "Fatal in contact with skin",
        "H311": "Toxic in contact with skin",
        "H330": "Fatal if inhaled",
        "H331": "Toxic if inhaled",
        "H340": "May cause genetic defects",
        "H350": "May cause cancer",
        "H350i": "May cause cancer by inhalation",
        "H360": "May damage fertility or the unborn child",
        "H360F": "May damage fertility",
        "H360D": "May damage the unborn child",
        "H360FD": "May damage fertility. May damage the unborn child",
        "H360Fd": "May damage fertility. Suspected of damaging the unborn child",
        "H360Df": "May damage the unborn child. Suspected of damaging fertility",
        "H370": "Causes damage to organs",
        "H372": "Causes damage to organs through prolonged or repeated exposure",
    },
    None: {
        "H227": "Combustible liquid",
        "H302": "Harmful if swallowed",
        "H303": "May be harmful if swallowed",
        "H304": "May be fatal if swallowed and enters airways",
        "H305": "May be harmful if swallowed and enters airways",
        "H312": "Harmful in contact with skin",
        "H313": "May be harmful in contact with skin",
        "H315": "Causes skin irritation",
        "H316": "Causes mild skin irritation",
        "H317": "May cause an allergic skin reaction",
        "H318": "Causes serious eye damage",
        "H319": "Causes serious eye irritation",
        "H320": "Causes eye irritation",
        "H332": "Harmful if inhaled",
        "H333": "May be harmful if inhaled",
        "H334": "May cause allergy or asthma symptoms or breathing difficulties if inhaled",
        "H335": "May cause respiratory irritation",
        "H336": "May cause drowsiness or dizziness",
        "H341": "Suspected of causing genetic defects",
        "H351": "Suspected of causing cancer",
        "H361": "Suspected of damaging fertility or the unborn child",
        "H361f": "Suspected of damaging fertility",
        "H361d": "Suspected of damaging the unborn child",
        "H361fd": "Suspected of damaging fertility. Suspected of damaging the unborn child",
        "H362": "May cause harm to breast-fed children",
        "H371": "May cause damage to organs",
        "H373": "May cause damage to organs through prolonged or repeated exposure",
        "H400": "Very toxic to aquatic life",
        "H401": "Toxic to aquatic life",
        "H402": "Harmful to aquatic life",
        "H410": "Very toxic to aquatic life with long lasting effects",
        "H411": "Toxic to aquatic life with long lasting effects",
        "H412": "Harmful to aquatic life with long lasting effects",
        "H413": "May cause long lasting harmful effects to aquatic life",
        "H420": "Harms public health and the environment by destroying ozone in the upper atmosphere",
    },
}

HAZARDS: dict[str, Hazard] = {code: Hazard(code, statement, category)
                              for category, statements in _BY_CATEGORY.items()
                              for code, statement in statements.items()}


def hazard(code: str) -> Hazard:
    return HAZARDS[code]


def normalise(code: str) -> list[str]:
    """The codes one entry names: 'h225' is H225, and a combined statement 'H300+H310' names both. The suffix
    keeps its case, which carries meaning (H360Fd: fertility category 1, development category 2)."""
    codes = []
    for part in code.split("+"):
        part = part.strip()
        part = "H" + part[1:] if part[:1] == "h" else part
        if part not in HAZARDS:
            raise PydanticCustomError("ghs_code", "unknown GHS hazard statement '{code}' (expected an H-code such "
                                                  "as H225 or H314)", {"code": part})
        codes.append(part)
    return codes


def check_codes(values: list[str]) -> list[str]:
    """The hazards attribute as stored: known codes, each once, in code order."""
    return sorted({c for value in values for c in normalise(value)})


def required_categories(codes) -> dict[str, list[str]]:
    """The licence categories goods carrying these codes need, each with the codes that need it."""
    needed: dict[str, list[str]] = {}
    for code in codes:
        category = HAZARDS[code].category if code in HAZARDS else None
        if category:
            needed.setdefault(category, []).append(code)
    return {c: needed[c] for c in CATEGORIES if c in needed}


def check_un_number(value) -> str:
    """A UN number: four digits, written with or without the 'UN' prefix (a JSON number is taken as its digits);
    kept as its four digits."""
    if isinstance(value, int) and not isinstance(value, bool):
        value = f"{value:04d}"
    text = value.strip().upper().removeprefix("UN").strip() if isinstance(value, str) else ""
    if len(text) != 4 or not text.isdigit() or text == "0000":
        raise PydanticCustomError("un_number", "a UN number is four digits (e.g. 1170 or UN1170), got '{value}'",
                                  {"value": value})
    return text
