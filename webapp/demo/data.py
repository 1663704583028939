"""The demo world: real Nigerian cities and roads, invented operators and buses."""

CITIES = [
    # slug, name, state
    ("lagos", "Lagos", "Lagos"),
    ("abuja", "Abuja", "FCT"),
    ("ibadan", "Ibadan", "Oyo"),
    ("benin-city", "Benin City", "Edo"),
    ("port-harcourt", "Port Harcourt", "Rivers"),
    ("enugu", "Enugu", "Enugu"),
    ("kano", "Kano", "Kano"),
    ("kaduna", "Kaduna", "Kaduna"),
    ("jos", "Jos", "Plateau"),
    ("owerri", "Owerri", "Imo"),
    ("onitsha", "Onitsha", "Anambra"),
    ("ilorin", "Ilorin", "Kwara"),
]

# origin, destination, road distance in km, typical duration in minutes (both directions)
ROADS = [
    ("lagos", "abuja", 760, 600),
    ("lagos", "ibadan", 130, 120),
    ("lagos", "benin-city", 320, 330),
    ("lagos", "port-harcourt", 620, 600),
    ("lagos", "enugu", 560, 540),
    ("lagos", "owerri", 560, 570),
    ("lagos", "onitsha", 470, 480),
    ("lagos", "ilorin", 300, 300),
    ("ibadan", "abuja", 640, 540),
    ("abuja", "kano", 420, 360),
    ("abuja", "kaduna", 190, 180),
    ("abuja", "jos", 300, 300),
    ("abuja", "enugu", 380, 390),
    ("kaduna", "kano", 230, 210),
    ("benin-city", "port-harcourt", 280, 300),
    ("enugu", "port-harcourt", 250, 240),
]

LAYOUTS = {
    "Minibus 14": {
        "description": "Toyota Hiace-style minibus, 14 passenger seats",
        "seat_class": "standard",
        "decks": [["D.SS", "SS.S", "SS.S", "SS.S", "SSS.", "LLLL"]],
    },
    "Coach 2+2 (52)": {
        "description": "Air-conditioned coach, 2+2 seating, 52 seats",
        "seat_class": "standard",
        "decks": [["D....", *["SS.SS"] * 13]],
    },
    "Executive 2+1 (30)": {
        "description": "Executive coach, wide 2+1 reclining seats, 30 seats",
        "seat_class": "executive",
        "decks": [["D...", *["SS.S"] * 10]],
    },
    "Double-decker (58)": {
        "description": "Double-decker: 2+1 lower deck, 2+2 upper deck, 58 seats",
        "seat_class": "standard",
        "decks": [["D...", *["SS.S"] * 6, "XL.L"], ["SS.SS"] * 10],
    },
}

# bank: (name, account name, account number, Flutterwave bank code)
OPERATORS = [
    {
        "slug": "eko-express",
        "name": "Eko Express Lines",
        "commission_bps": 800,
        "bank": ("Zenith Bank", "Eko Express Lines Ltd", "1012345678", "057"),
        "layouts": ["Coach 2+2 (52)", "Executive 2+1 (30)"],
        "boarding": {"lagos": "Jibowu Terminal, Yaba", "abuja": "Utako Park"},
    },
    {
        "slug": "savannah-coaches",
        "name": "Savannah Coaches",
        "commission_bps": 750,
        "bank": ("Access Bank", "Savannah Coaches Nig. Ltd", "0698765432", "044"),
        "layouts": ["Double-decker (58)", "Coach 2+2 (52)"],
        "boarding": {"abuja": "Jabi Motor Park", "kano": "Sabon Gari Terminal"},
    },
    {
        "slug": "delta-motors",
        "name": "Delta Motors",
        "commission_bps": 800,
        "bank": ("First Bank", "Delta Motors Transport Ltd", "3045612789", "011"),
        "layouts": ["Minibus 14", "Coach 2+2 (52)"],
        "boarding": {"lagos": "Ojota New Garage", "port-harcourt": "Mile 1 Park"},
    },
    {
        "slug": "harmattan-travels",
        "name": "Harmattan Travels",
        "commission_bps": 900,
        "bank": ("GTBank", "Harmattan Travels Ltd", "0223344556", "058"),
        "layouts": ["Executive 2+1 (30)", "Minibus 14"],
        "boarding": {"lagos": "Maza-Maza Terminal", "enugu": "Holy Ghost Park"},
    },
]

# Departure times (Lagos, HH:MM); long roads also get a night bus.
MORNING_TIMES = ["06:00", "06:30", "07:00", "07:30", "08:00", "09:30", "11:00", "13:00", "15:30"]
NIGHT_TIMES = ["19:00", "20:30"]

DEMO_PASSWORD = "demo-roadpass-2026"  # noqa: S105 - printed on purpose; seeding refuses production
DEMO_USERS = [
    ("passenger@roadpass.example.com", "Ada Okafor", "passenger"),
    ("admin@roadpass.example.com", "Tunde Bakare", "admin"),
    ("staff@roadpass.example.com", "Chidi Eze", "operator_staff"),
]
DEMO_STAFF_OPERATOR = "eko-express"  # the operator the demo staff account works for
