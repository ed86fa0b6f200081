"""Embedded reference lists for the synthetic employer: fake names, streets, worksites, plan rates.

Small and fixed so that output depends on the seed alone. Names are common given names and surnames
(no real person intended); every e-mail is @example.com; SSNs are drawn in the 900-998 area, which the
SSA never issues. Rates and caps below are plausible round numbers for test data, NOT authoritative
program values (the hub keeps those as dated tables).
"""

from __future__ import annotations

from decimal import Decimal

FIRST_NAMES_F = (
    "Ana", "Maria", "Grace", "Olivia", "Emma", "Sofia", "Chloe", "Priya", "Mei", "Aisha", "Fatima", "Nora",
    "Lucia", "Hannah", "Zoe", "Leah", "Rosa", "Ines", "Keiko", "Amara", "Elena", "Julia", "Tara", "Mila",
)
FIRST_NAMES_M = (
    "James", "Luis", "Omar", "Daniel", "Wei", "Raj", "Mateo", "Noah", "Ethan", "Samuel", "Kofi", "Ivan",
    "Diego", "Hiro", "Marcus", "Andre", "Felix", "Tomas", "Arjun", "Yusuf", "Caleb", "Owen", "Jonah", "Leo",
)
LAST_NAMES = (
    "Diaz", "Nguyen", "Smith", "Garcia", "Patel", "Kim", "Johnson", "Lopez", "Chen", "Brown", "Okafor",
    "Martin", "Rossi", "Silva", "Kowalski", "Haddad", "Singh", "Tanaka", "Murphy", "Novak", "Reyes", "Cohen",
    "Baker", "Ali", "Moreno", "Fischer", "Dubois", "Jensen", "Ortiz", "Walker", "Park", "Costa", "Yilmaz",
    "Hughes", "Ivanova", "Mendes", "Adeyemi", "Larsen", "Romero", "Sato",
)
MIDDLE_INITIALS = ("A", "B", "C", "D", "E", "J", "L", "M", "R", "S", "T")
STREETS = (
    "Elm St", "Oak Ave", "Maple Dr", "Cedar Ln", "Pine St", "Lake Rd", "Hill St", "Park Ave", "River Rd",
    "Sunset Blvd", "Main St", "Mill Rd", "Birch Way", "Walnut St", "Spring St", "Harbor Dr",
)

# worksite id, state, city, metro, zip prefix, share of headcount (percent). Sites of one metro are within
# 75 surface miles of each other (NYC and Newark on purpose: a cross-state cluster); SPOKANE-01, WILM-01
# and MIAMI-01 are small sites with fewer than 50 employees within 75 miles at the default size.
WORKSITES = (
    ("LA-01", "CA", "Los Angeles", "LA", "900", 14),
    ("LA-02", "CA", "Long Beach", "LA", "908", 4),
    ("FRESNO-01", "CA", "Fresno", "FRESNO", "937", 5),
    ("NYC-01", "NY", "New York", "NYC", "100", 14),
    ("NEWARK-01", "NJ", "Newark", "NYC", "071", 6),
    ("SEATTLE-01", "WA", "Seattle", "SEATTLE", "981", 8),
    ("SPOKANE-01", "WA", "Spokane", "SPOKANE", "992", 1),
    ("BOSTON-01", "MA", "Boston", "BOSTON", "021", 8),
    ("DENVER-01", "CO", "Denver", "DENVER", "802", 7),
    ("WILM-01", "DE", "Wilmington", "WILMINGTON", "198", 1),
    ("DALLAS-01", "TX", "Dallas", "DALLAS", "752", 12),
    ("AUSTIN-01", "TX", "Austin", "AUSTIN", "787", 6),
    ("MIAMI-01", "FL", "Miami", "MIAMI", "331", 1),
    ("CHICAGO-01", "IL", "Chicago", "CHICAGO", "606", 13),
)

UNION_CODES = ("SEIU-121", "TEAMSTERS-986", "UFCW-770")
COMPANY_CODE_BY_STATE = {"TX": "NWT", "FL": "NWT"}  # everyone else: NWD
DEFAULT_COMPANY_CODE = "NWD"

# Medical/dental/vision employee and employer share per biweekly period by tier, for the prior plan year;
# the current plan year is RATE_RISE higher (the Jan 1 rate change every premium scenario needs).
HEALTH_RATES: dict[str, dict[str, tuple[Decimal, Decimal]]] = {
    "MED-PPO": {"EE": (Decimal("112.15"), Decimal("448.60")), "ES": (Decimal("236.40"), Decimal("802.10")),
                "EC": (Decimal("210.75"), Decimal("720.30")), "FAM": (Decimal("338.20"), Decimal("1104.80"))},
    "MED-HDHP": {"EE": (Decimal("58.10"), Decimal("401.25")), "ES": (Decimal("131.60"), Decimal("702.45")),
                 "EC": (Decimal("118.30"), Decimal("640.15")), "FAM": (Decimal("190.45"), Decimal("985.30"))},
    "DEN-STD": {"EE": (Decimal("9.80"), Decimal("14.70")), "ES": (Decimal("19.40"), Decimal("24.10")),
                "EC": (Decimal("21.15"), Decimal("26.85")), "FAM": (Decimal("31.90"), Decimal("38.60"))},
    "VIS-STD": {"EE": (Decimal("3.10"), Decimal("1.40")), "ES": (Decimal("6.05"), Decimal("2.75")),
                "EC": (Decimal("6.40"), Decimal("2.90")), "FAM": (Decimal("9.35"), Decimal("4.20"))},
}
RATE_RISE = Decimal("1.07")
HEALTH_CARRIERS = {"MEDICAL": "bluepeak", "DENTAL": "brightsmile", "VISION": "clearview"}
DEDUCTION_CODES = {"MEDICAL": "MED", "DENTAL": "DEN", "VISION": "VIS", "STD": "STD", "LTD": "LTD",
                   "BASIC_LIFE": "LIFE"}

# Disability premium per biweekly period as a fraction of biweekly benefit salary, prior year / current year.
STD_RATE = (Decimal("0.0042"), Decimal("0.0045"))
LTD_RATE = (Decimal("0.0031"), Decimal("0.0033"))
LIFE_RATE_PER_1000 = (Decimal("0.085"), Decimal("0.090"))
STD_BENEFIT_PCT = Decimal("0.60")
STD_WEEKLY_MAX = Decimal("2000.00")
LTD_BENEFIT_PCT = Decimal("0.60")
LTD_MONTHLY_MAX = Decimal("10000.00")

# Work state -> (state MEDICAL plan, state FAMILY plan, benefit pct of weekly wage, weekly cap).
STATE_PLANS: dict[str, tuple[str, str, Decimal, Decimal]] = {
    "CA": ("CA_SDI", "CA_PFL", Decimal("0.70"), Decimal("1681.00")),
    "NY": ("NY_DBL", "NY_PFL", Decimal("0.67"), Decimal("1177.32")),
    "NJ": ("NJ_TDI", "NJ_FLI", Decimal("0.85"), Decimal("1081.00")),
    "WA": ("WA_PFML", "WA_PFML", Decimal("0.90"), Decimal("1542.00")),
    "MA": ("MA_PFML", "MA_PFML", Decimal("0.80"), Decimal("1170.64")),
    "CO": ("CO_FAMLI", "CO_FAMLI", Decimal("0.90"), Decimal("1324.43")),
    "DE": ("DE_PFML", "DE_PFML", Decimal("0.80"), Decimal("900.00")),
}
NY_DBL_WEEKLY_MAX = Decimal("170.00")
# Plans whose payments Harbor reports in HARBOR_PAY (it pays STD/LTD for Summit and coordinates these).
PAID_BY_HARBOR = ("STD", "LTD", "CA_SDI", "NJ_TDI", "NY_DBL", "WC")
STATE_INCOME_TAX = {"TX": Decimal("0"), "FL": Decimal("0"), "WA": Decimal("0")}
DEFAULT_STATE_INCOME_TAX = Decimal("0.04")

HOLIDAYS_MONTH_DAY = ((1, 1), (7, 4), (12, 25))  # plus Memorial, Labor and Thanksgiving days, computed
