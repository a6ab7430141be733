"""The vocabulary of readouts: demonyms, titles, honorifics, press-service names and stop words.

Country names and organisation names come from app.reference (pycountry plus curated short forms);
this module adds only what readouts write and those tables do not hold: adjectives ("Belarusian"),
metonyms ("the Kiev authorities"), the words that make up official titles, and so on.
Everything is keyed by folded (lower-case ASCII) words.
"""

from __future__ import annotations

# --- countries -----------------------------------------------------------------------------------

# Adjectives and demonyms → alpha-2. Ambiguous ones ("Korean", "Congolese", "Guinean", "Arab",
# "Jewish", "Dominican") are left out on purpose: they do not name one country.
DEMONYMS: dict[str, str] = {
    "afghan": "AF", "afghani": "AF", "albanian": "AL", "algerian": "DZ", "andorran": "AD", "angolan": "AO",
    "argentine": "AR", "argentinian": "AR", "armenian": "AM", "australian": "AU", "austrian": "AT",
    "azerbaijani": "AZ", "azeri": "AZ", "bahraini": "BH", "bangladeshi": "BD", "belarusian": "BY",
    "belarussian": "BY", "byelorussian": "BY", "belgian": "BE", "beninese": "BJ", "bhutanese": "BT",
    "bolivian": "BO", "bosnian": "BA", "botswanan": "BW", "brazilian": "BR", "british": "GB",
    "bruneian": "BN", "bulgarian": "BG", "burkinabe": "BF", "burmese": "MM", "burundian": "BI",
    "cambodian": "KH", "cameroonian": "CM", "canadian": "CA", "chadian": "TD", "chilean": "CL",
    "chinese": "CN", "colombian": "CO", "costa rican": "CR", "croatian": "HR", "cuban": "CU",
    "cypriot": "CY", "czech": "CZ", "danish": "DK", "djiboutian": "DJ", "dutch": "NL", "ecuadorian": "EC",
    "egyptian": "EG", "emirati": "AE", "eritrean": "ER", "estonian": "EE", "ethiopian": "ET", "fijian": "FJ",
    "filipino": "PH", "philippine": "PH", "finnish": "FI", "french": "FR", "gabonese": "GA", "gambian": "GM",
    "georgian": "GE", "german": "DE", "ghanaian": "GH", "greek": "GR", "guatemalan": "GT", "haitian": "HT",
    "honduran": "HN", "hungarian": "HU", "icelandic": "IS", "indian": "IN", "indonesian": "ID",
    "iranian": "IR", "iraqi": "IQ", "irish": "IE", "israeli": "IL", "italian": "IT", "ivorian": "CI",
    "jamaican": "JM", "japanese": "JP", "jordanian": "JO", "kazakh": "KZ", "kazakhstani": "KZ",
    "kenyan": "KE", "kuwaiti": "KW", "kyrgyz": "KG", "kirghiz": "KG", "lao": "LA", "laotian": "LA",
    "latvian": "LV", "lebanese": "LB", "liberian": "LR", "libyan": "LY", "lithuanian": "LT",
    "luxembourgish": "LU", "malagasy": "MG", "malawian": "MW", "malaysian": "MY", "maldivian": "MV",
    "malian": "ML", "maltese": "MT", "mauritanian": "MR", "mauritian": "MU", "mexican": "MX",
    "moldovan": "MD", "monegasque": "MC", "mongolian": "MN", "montenegrin": "ME", "moroccan": "MA",
    "mozambican": "MZ", "namibian": "NA", "nepalese": "NP", "nepali": "NP", "nicaraguan": "NI",
    "nigerian": "NG", "nigerien": "NE", "norwegian": "NO", "omani": "OM", "pakistani": "PK",
    "palestinian": "PS", "panamanian": "PA", "paraguayan": "PY", "peruvian": "PE", "polish": "PL",
    "portuguese": "PT", "qatari": "QA", "romanian": "RO", "russian": "RU", "rwandan": "RW",
    "salvadoran": "SV", "saudi": "SA", "senegalese": "SN", "serbian": "RS", "singaporean": "SG",
    "slovak": "SK", "slovakian": "SK", "slovenian": "SI", "slovene": "SI", "somali": "SO",
    "south african": "ZA", "south korean": "KR", "north korean": "KP", "south sudanese": "SS",
    "spanish": "ES", "sri lankan": "LK", "sudanese": "SD", "swedish": "SE", "swiss": "CH", "syrian": "SY",
    "taiwanese": "TW", "tajik": "TJ", "tajikistani": "TJ", "tanzanian": "TZ", "thai": "TH", "togolese": "TG",
    "tunisian": "TN", "turkish": "TR", "turkmen": "TM", "ugandan": "UG", "ukrainian": "UA", "uruguayan": "UY",
    "uzbek": "UZ", "uzbekistani": "UZ", "venezuelan": "VE", "vietnamese": "VN", "yemeni": "YE",
    "zambian": "ZM", "zimbabwean": "ZW", "american": "US", "new zealand": "NZ", "kosovar": "XK",
    "macedonian": "MK", "bosnian and herzegovinian": "BA",
}

# Short forms that press services write and the reference table lacks (folded label → alpha-2).
EXTRA_COUNTRY_NAMES: dict[str, str] = {
    "republic of turkey": "TR", "turkiye": "TR", "russian federation": "RU", "islamic republic of iran": "IR",
    "kingdom of saudi arabia": "SA", "state of qatar": "QA", "republic of korea": "KR",
    "gaza": "PS", "gaza strip": "PS", "west bank": "PS", "palestinian territories": "PS",
    "palestinian territory": "PS", "hong kong": "HK", "macau": "MO", "macao": "MO",
    "united states of america": "US", "kyrgyz republic": "KG", "slovak republic": "SK",
    "republic of moldova": "MD", "swiss confederation": "CH", "federal republic of germany": "DE",
    "french republic": "FR", "italian republic": "IT", "kingdom of spain": "ES", "kingdom of the netherlands": "NL",
    "kingdom of belgium": "BE", "kingdom of norway": "NO", "kingdom of sweden": "SE", "kingdom of denmark": "DK",
    "hashemite kingdom of jordan": "JO", "kingdom of bahrain": "BH", "sultanate of oman": "OM",
    "state of kuwait": "KW", "arab republic of egypt": "EG", "republic of india": "IN",
    "islamic republic of pakistan": "PK", "islamic republic of afghanistan": "AF",
    "socialist republic of vietnam": "VN", "lao pdr": "LA", "kosovo": "XK", "ivory coast": "CI",
    "republic of the congo": "CG", "dr congo": "CD", "czech republic": "CZ", "great britain": "GB",
    "england": "GB", "scotland": "GB", "wales": "GB", "northern ireland": "GB",
}

# Capitals and seats of power, counted as the country only where they stand for its government
# ("the Kiev authorities", "relations with Moscow"), never as a place ("a conference in Berlin").
METONYMS: dict[str, str] = {
    "moscow": "RU", "kremlin": "RU", "washington": "US", "white house": "US", "beijing": "CN",
    "kiev": "UA", "kyiv": "UA", "minsk": "BY", "tehran": "IR", "ankara": "TR", "tokyo": "JP",
    "london": "GB", "paris": "FR", "berlin": "DE", "pyongyang": "KP", "seoul": "KR", "damascus": "SY",
    "baghdad": "IQ", "kabul": "AF", "islamabad": "PK", "new delhi": "IN", "riyadh": "SA", "cairo": "EG",
    "baku": "AZ", "yerevan": "AM", "tbilisi": "GE", "chisinau": "MD", "vilnius": "LT", "warsaw": "PL",
    "riga": "LV", "tallinn": "EE", "caracas": "VE", "havana": "CU", "astana": "KZ", "tashkent": "UZ",
    "bishkek": "KG", "dushanbe": "TJ", "ashgabat": "TM", "canberra": "AU", "ottawa": "CA", "rome": "IT",
    "madrid": "ES", "taipei": "TW", "budapest": "HU", "belgrade": "RS", "jerusalem": "IL",
}
# Words that, following a capital, make it stand for a government.
METONYM_AFTER = frozenset("authorities regime government administration leadership side policy officials".split())
# Words that, before "with" or as a direct modifier, make a following capital stand for a government.
METONYM_BEFORE = frozenset("official relations relationship ties dialogue".split())

# A country name followed by one of these is part of a company or other proper name.
NOT_COUNTRY_AFTER = frozenset("airlines airways air bank railways telecom".split())
# "North America", "Latin America": regions, not the United States.
NOT_COUNTRY_BEFORE = {"america": frozenset("north south latin central voice".split())}

# --- organisations -------------------------------------------------------------------------------

# Bodies of organisations that readouts name instead of the organisation (folded label → acronym).
# The corpus records the UN Security Council as UN, the Supreme Eurasian Economic Council as EAEU.
ORGANIZATION_BODIES: dict[str, str] = {
    "european council": "EU", "european commission": "EU", "european parliament": "EU",
    "council of the european union": "EU", "council of the eu": "EU",
    "security council": "UN", "un security council": "UN", "united nations security council": "UN",
    "general assembly": "UN", "un general assembly": "UN", "united nations general assembly": "UN",
    "supreme eurasian economic council": "EAEU", "eurasian economic council": "EAEU",
    "eurasian intergovernmental council": "EAEU", "eurasian economic commission": "EAEU",
    "nato alliance": "NATO", "north atlantic council": "NATO", "african union commission": "AU",
}
# The organisation a body belongs to replaces the body's own acronym in the output.
ORGANIZATION_PARENT: dict[str, str] = {"UNSC": "UN", "UNGA": "UN", "UNHRC": "UN"}
# Acronyms that are also English words: only counted in upper case, and never in a shouted line.
AMBIGUOUS_ACRONYMS = frozenset({"WHO", "AU", "CIS", "NAM", "WB", "IEA", "ICC", "OAS", "GUAM", "QUAD", "EAS", "ILO", "IOM"})

# --- people --------------------------------------------------------------------------------------

# Heads of titles (folded word sequences) and their written form.
TITLE_HEADS: dict[tuple[str, ...], str] = {
    ("president",): "President", ("presidents",): "President",
    ("vice", "president"): "Vice President", ("vice", "presidents"): "Vice President",
    ("prime", "minister"): "Prime Minister", ("prime", "ministers"): "Prime Minister",
    ("prime", "minster"): "Prime Minister",  # a common typo, as published
    ("premier",): "Premier", ("chancellor",): "Chancellor", ("king",): "King", ("queen",): "Queen",
    ("emir",): "Emir", ("amir",): "Amir", ("sultan",): "Sultan", ("crown", "prince"): "Crown Prince",
    ("grand", "duke"): "Grand Duke", ("pope",): "Pope", ("supreme", "leader"): "Supreme Leader",
    ("governor", "general"): "Governor-General", ("taoiseach",): "Taoiseach",
    ("minister",): "Minister", ("ministers",): "Minister", ("minster",): "Minister",
    ("secretary",): "Secretary", ("secretaries",): "Secretary",
    ("secretary", "general"): "Secretary-General",
    ("under", "secretary", "general"): "Under-Secretary-General",
    ("deputy", "secretary", "general"): "Deputy Secretary-General",
    ("high", "representative"): "High Representative", ("commissioner",): "Commissioner",
    ("ambassador",): "Ambassador", ("ambassadors",): "Ambassador", ("envoy",): "Envoy",
    ("special", "envoy"): "Special Envoy", ("special", "representative"): "Special Representative",
    ("adviser",): "Adviser", ("advisor",): "Advisor", ("director",): "Director",
    ("director", "general"): "Director-General", ("chairman",): "Chairman", ("chairwoman",): "Chairwoman",
    ("chairperson",): "Chairperson", ("chair",): "Chair", ("speaker",): "Speaker", ("senator",): "Senator",
    ("senators",): "Senator", ("congressman",): "Congressman", ("congresswoman",): "Congresswoman",
    ("governor",): "Governor", ("mayor",): "Mayor", ("state", "councilor"): "State Councilor",
    ("state", "councillor"): "State Councillor", ("vice", "premier"): "Vice Premier",
    ("foreign", "secretary"): "Foreign Secretary", ("member",): "Member", ("head",): "Head",
    ("heads",): "Head", ("leader",): "Leader", ("leaders",): "Leader",
    ("counterpart",): "counterpart", ("counterparts",): "counterpart", ("colleague",): "counterpart",
    ("pm",): "Prime Minister", ("fm",): "Foreign Minister",
}
# Heads whose plural form announces several people ("the presidents of Belarus and Russia").
PLURAL_HEADS = frozenset({"presidents", "ministers", "leaders", "heads", "secretaries", "senators", "ambassadors", "counterparts"})
# Role nouns that are not titles: they take their holder's title from elsewhere.
ROLE_HEADS = frozenset({"counterpart", "Leader", "Head"})
# Words that may stand before a head inside a title ("First Deputy Foreign Minister").
TITLE_MODIFIERS = frozenset(
    """deputy vice first acting foreign prime defence defense senior assistant under permanent special
    chief executive high state crown supreme honorary former interim federal grand principal
    parliamentary national security trade finance economy economic interior home health education
    energy agriculture justice external affairs environment culture labour labor transport
    international development general minority majority""".split()
)
# Lower-case words that may precede a name inside a title ("President of the Republic").
TITLE_CONNECTORS = frozenset({"of", "for", "on", "and", "the", "to"})
# Words of ministries, parties and councils inside titles ("Minister of Foreign Affairs",
# "Member of the Political Bureau of the CPC Central Committee"). A capitalised word outside this
# list ends the title: it is the start of the name.
DEPARTMENT_WORDS = frozenset(
    """foreign affairs external state defence defense interior home internal finance economy economic
    economics trade commerce industry development international cooperation co operation relations
    security national council commission office central committee political bureau cpc party
    communist government cabinet presidential administration staff general chiefs joint armed forces
    justice health education science technology energy agriculture environment culture tourism labour
    labor social transport public ministry department parliament assembly senate house representatives
    duma federation congress mission delegation embassy secretariat people s standing supreme court
    bank fund affair policy european eurasian legislative executive planning investment emergency
    situations youth sports sport information communications digital transformation natural resources
    treasury budget revenue intelligence military veterans housing urban regional local federal
    integration neighbourhood enlargement commonwealth crown dependencies overseas territories
    union republic nations islamic kingdom arab united emirates""".split()
)

# Courtesy words before a name, dropped from the name ("H.E. Mr.", "the Honorable", "Shri").
HONORIFICS = frozenset(
    "mr mrs ms miss dr h e he his her excellency honorable honourable hon shri smt sri madam mme monsieur sir dame rt right".split()
)
# Kept as part of the name, as labels and readouts write it ("Sheikh Mohammed bin ...").
NAME_PREFIXES = frozenset({"sheikh", "sheikha", "prince", "princess"})
# Lower-case particles inside names ("Faisal bin Farhan", "el-Sisi", "da Silva").
NAME_PARTICLES = frozenset("bin bint ibn al el de da di do dos das del della van von der den du la le y abu ben ul ur".split())
# Post-nominal letters dropped from a name ("Scott Morrison MP").
NAME_SUFFIXES_DROPPED = frozenset({"mp", "mep", "qc", "kc", "obe", "cbe", "mbe", "pc"})

# Capitalised words that are never part of a personal name (folded).
NOT_NAME_WORDS = frozenset(
    """the a an this that these those on in at by for from with to of and or but as during after before
    since today yesterday tomorrow tonight earlier later it he she they we i you his her their our its my
    both two three all each every readout readouts statement press release telephone phone call calls
    conversation conversations talks talk meeting meetings meets met summit visit visits video conference
    teleconference holds held has had have speaks spoke receives received discusses discussed
    congratulates source posted issued updated last immediate office ministry department government
    embassy republic kingdom state states united federation council union nations islamic people
    democratic federal leaders overview below above also however moreover furthermore according
    regarding following responding upon under over between among across within without based speaking
    touching focusing turning welcome thank thanks q mr mrs ms dr excellency honorable honourable hon
    shri sunday monday tuesday wednesday thursday friday saturday january february march april june july
    august september october november december jan feb mar apr jun jul aug sep sept oct nov dec global
    coalition alliance strategic partnership east west north south central middle asia pacific indo
    europe european africa african gulf sea seas strait peninsula island islands region province city
    day year anniversary victory great war world international national supreme economic eurasian arctic
    olympic olympics games airlines flight agreement treaty protocol process format plan action agenda
    development sustainable covid coronavirus independence constitution parliament senate congress
    assembly court party communist committee political bureau commission cabinet administration
    spokesperson spokesman jst est gmt utc am pm end mil osi note notes press release transcript
    sound bite media briefing remarks joint declaration communique leaders heads ministers foreign
    affairs external defence defense security trade finance relations cooperation dialogue summary
    highlights photo video audio related links back index page home news events english translation
    provisional read out readout statement statements first second third new old mt mount saint st
    his her majesty royal highness h e he minster prime minister president secretary general director
    chairman senator ambassador envoy king queen emir sultan premier chancellor deputy vice acting
    presidents ministers secretaries about more share print email tweet facebook twitter all rights
    reserved copyright""".split()
)

# --- publishers ----------------------------------------------------------------------------------

# Seats and services that name a country without naming it (folded phrase → code).
PUBLISHER_HINTS: dict[str, str] = {
    "white house": "US", "state department": "US", "department of state": "US", "whitehouse gov": "US",
    "downing street": "GB", "gov uk": "GB", "foreign office": "GB", "fcdo": "GB",
    "foreign commonwealth development office": "GB", "kremlin": "RU", "elysee": "FR", "kantei": "JP",
    "press information bureau": "IN", "pib": "IN", "mea": "IN", "secretary general": "UN",
    "united nations": "UN", "nato": "NATO", "european council": "EU", "european commission": "EU",
    "european union": "EU", "eeas": "EU", "bundesregierung": "DE", "zhongnanhai": "CN", "mofa gov qa": "QA",
}
