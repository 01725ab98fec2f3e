"""Names and places for the seeded customers and forum members (written for Palaestra; see DATA.md).

Every e-mail address uses ``example.com``/``example.org``/``example.net`` (reserved for
documentation by RFC 2606), so no seeded address belongs to anyone.
"""

from __future__ import annotations

import random
from dataclasses import dataclass

FIRST_NAMES = [
    "Emma", "Liam", "Olivia", "Noah", "Ava", "Ethan", "Sophia", "Mason", "Isabella", "Lucas", "Mia",
    "Logan", "Amelia", "James", "Harper", "Benjamin", "Evelyn", "Elijah", "Abigail", "Oliver", "Emily",
    "Jacob", "Ella", "Daniel", "Madison", "Henry", "Scarlett", "Jackson", "Grace", "Sebastian", "Chloe",
    "Aiden", "Victoria", "Matthew", "Riley", "Samuel", "Aria", "David", "Lily", "Joseph", "Aubrey",
    "Carter", "Zoey", "Owen", "Penelope", "Wyatt", "Lillian", "John", "Addison", "Jack", "Layla",
    "Luke", "Natalie", "Jayden", "Camila", "Dylan", "Hannah", "Grayson", "Brooklyn", "Levi", "Zoe",
    "Isaac", "Nora", "Gabriel", "Leah", "Julian", "Savannah", "Mateo", "Audrey", "Anthony", "Claire",
    "Jaxon", "Eleanor", "Lincoln", "Skylar", "Joshua", "Ellie", "Christopher", "Stella", "Andrew",
    "Paisley", "Theodore", "Violet", "Caleb", "Lucy", "Ryan", "Anna", "Asher", "Caroline", "Nathan",
    "Genesis", "Thomas", "Aaliyah", "Leo", "Kennedy", "Isaiah", "Kinsley", "Charles", "Allison",
    "Josiah", "Maya", "Hudson", "Sarah", "Christian", "Madelyn", "Hunter", "Adeline", "Connor", "Alexa",
    "Eli", "Ariana", "Ezra", "Elena", "Aaron", "Gabriella", "Landon", "Naomi", "Adrian", "Alice",
    "Jonathan", "Sadie", "Nolan", "Hailey", "Jeremiah", "Eva", "Easton", "Emilia", "Elias", "Autumn",
    "Colton", "Quinn", "Cameron", "Nevaeh", "Carson", "Piper", "Robert", "Ruby", "Angel", "Serenity",
    "Maverick", "Willow", "Nicholas", "Everly", "Dominic", "Cora", "Jaxson", "Kaylee", "Greyson",
    "Lydia", "Adam", "Aubree", "Ian", "Arianna", "Austin", "Eliana", "Santiago", "Peyton", "Jordan",
    "Melanie", "Cooper", "Gianna", "Brayden", "Isabelle", "Roman", "Julia", "Evan", "Valentina",
    "Ezekiel", "Nova", "Xavier", "Clara", "Jose", "Vivian", "Jace", "Reagan", "Jameson", "Mackenzie",
    "Leonardo", "Madeline", "Bryson", "Brielle", "Axel", "Delilah", "Everett", "Isla", "Parker",
    "Rylee", "Kayden", "Katherine", "Miles", "Sophie", "Sawyer", "Josephine", "Jason", "Ivy", "Priya",
    "Arjun", "Mei", "Wei", "Hiroshi", "Yuki", "Fatima", "Omar", "Amara", "Kwame", "Sofia", "Diego",
    "Ingrid", "Lars", "Anika", "Rafael", "Leila", "Tomas", "Nadia", "Mateus", "Aisha", "Kenji", "Rosa",
    "Marco", "Ines", "Pablo", "Chiara",
]  # fmt: skip

LAST_NAMES = [
    "Lopez", "Smith", "Johnson", "Williams", "Brown", "Jones", "Garcia", "Miller", "Davis", "Rodriguez",
    "Martinez", "Hernandez", "Gonzalez", "Wilson", "Anderson", "Thomas", "Taylor", "Moore", "Jackson",
    "Martin", "Lee", "Perez", "Thompson", "White", "Harris", "Sanchez", "Clark", "Ramirez", "Lewis",
    "Robinson", "Walker", "Young", "Allen", "King", "Wright", "Scott", "Torres", "Nguyen", "Hill",
    "Flores", "Green", "Adams", "Nelson", "Baker", "Hall", "Rivera", "Campbell", "Mitchell", "Carter",
    "Roberts", "Gomez", "Phillips", "Evans", "Turner", "Diaz", "Parker", "Cruz", "Edwards", "Collins",
    "Reyes", "Stewart", "Morris", "Morales", "Murphy", "Cook", "Rogers", "Gutierrez", "Ortiz", "Morgan",
    "Cooper", "Peterson", "Bailey", "Reed", "Kelly", "Howard", "Ramos", "Kim", "Cox", "Ward",
    "Richardson", "Watson", "Brooks", "Chavez", "Wood", "James", "Bennett", "Gray", "Mendoza", "Ruiz",
    "Hughes", "Price", "Alvarez", "Castillo", "Sanders", "Patel", "Myers", "Long", "Ross", "Foster",
    "Jimenez", "Powell", "Jenkins", "Perry", "Russell", "Sullivan", "Bell", "Coleman", "Butler",
    "Henderson", "Barnes", "Fisher", "Vasquez", "Simmons", "Romero", "Jordan", "Patterson", "Alexander",
    "Hamilton", "Graham", "Reynolds", "Griffin", "Wallace", "Moreno", "West", "Cole", "Hayes", "Bryant",
    "Herrera", "Gibson", "Ellis", "Tran", "Medina", "Aguilar", "Stevens", "Murray", "Ford", "Castro",
    "Marshall", "Owens", "Harrison", "Fernandez", "McDonald", "Woods", "Washington", "Kennedy", "Wells",
    "Vargas", "Henry", "Chen", "Freeman", "Webb", "Tucker", "Guzman", "Burns", "Crawford", "Olson",
    "Simpson", "Porter", "Hunter", "Gordon", "Mendez", "Silva", "Shaw", "Snyder", "Mason", "Dixon",
    "Munoz", "Hunt", "Hicks", "Holmes", "Palmer", "Wagner", "Black", "Robertson", "Boyd", "Rose",
    "Stone", "Salazar", "Fox", "Warren", "Mills", "Meyer", "Rice", "Schmidt", "Garza", "Daniels",
    "Ferguson", "Nichols", "Stephens", "Soto", "Weaver", "Ryan", "Gardner", "Payne", "Grant", "Dunn",
    "Kelley", "Spencer", "Hawkins", "Arnold", "Pierce", "Vazquez", "Hansen", "Peters", "Santos", "Hart",
    "Bradley", "Knight", "Elliott", "Cunningham", "Duncan", "Armstrong", "Hudson", "Carroll", "Lane",
    "Riley", "Andrews", "Alvarado", "Ray", "Delgado", "Berry", "Perkins", "Hoffman", "Johnston",
    "Matthews", "Pena", "Richards", "Willis", "Carpenter", "Lawrence", "Sandoval", "Okafor", "Nakamura",
    "Lindqvist", "Kowalski", "Rossi", "Dubois", "Novak", "Haddad", "Mensah", "Ivanova", "Tanaka",
    "Sato", "Park", "Singh",
]  # fmt: skip

#: City, state code, ZIP prefix, phone area code.
CITIES = [
    ("Portland", "OR", "972", "503"), ("Seattle", "WA", "981", "206"), ("Boise", "ID", "837", "208"),
    ("Denver", "CO", "802", "303"), ("Austin", "TX", "787", "512"), ("Houston", "TX", "770", "713"),
    ("Phoenix", "AZ", "850", "602"), ("Tucson", "AZ", "857", "520"),
    ("Albuquerque", "NM", "871", "505"), ("Salt Lake City", "UT", "841", "801"),
    ("Sacramento", "CA", "958", "916"), ("San Diego", "CA", "921", "619"),
    ("Oakland", "CA", "946", "510"), ("Minneapolis", "MN", "554", "612"),
    ("Madison", "WI", "537", "608"), ("Chicago", "IL", "606", "312"), ("Columbus", "OH", "432", "614"),
    ("Pittsburgh", "PA", "152", "412"), ("Philadelphia", "PA", "191", "215"),
    ("Boston", "MA", "021", "617"), ("Providence", "RI", "029", "401"),
    ("Hartford", "CT", "061", "860"), ("Brooklyn", "NY", "112", "718"), ("Buffalo", "NY", "142", "716"),
    ("Baltimore", "MD", "212", "410"), ("Richmond", "VA", "232", "804"),
    ("Raleigh", "NC", "276", "919"), ("Charleston", "SC", "294", "843"),
    ("Atlanta", "GA", "303", "404"), ("Nashville", "TN", "372", "615"),
    ("New Orleans", "LA", "701", "504"), ("Miami", "FL", "331", "305"), ("Tampa", "FL", "336", "813"),
    ("Kansas City", "MO", "641", "816"), ("Omaha", "NE", "681", "402"),
    ("Des Moines", "IA", "503", "515"), ("Anchorage", "AK", "995", "907"),
    ("Honolulu", "HI", "968", "808"),
]  # fmt: skip

STREET_NAMES = [
    "Maple", "Oak", "Cedar", "Pine", "Elm", "Birch", "Willow", "Chestnut", "Walnut", "Spruce", "Aspen",
    "Hawthorn", "Juniper", "Magnolia", "Sycamore", "Laurel", "Poplar", "Hickory", "Cypress", "Alder",
    "Linden", "Rosewood", "Lakeview", "Hillcrest", "Riverside", "Meadow", "Sunset", "Highland", "Park",
    "Church", "Mill", "Spring", "Forest", "Ridge", "Valley", "Harbor", "Orchard", "Prospect",
    "Franklin", "Jefferson", "Lincoln", "Madison", "Washington", "Adams", "Monroe", "Grant", "Jackson",
    "Union", "Market", "College", "Water", "Bridge",
]  # fmt: skip
STREET_KINDS = [
    "Street", "Avenue", "Road", "Lane", "Drive", "Court", "Place", "Boulevard", "Way", "Terrace",
]  # fmt: skip


@dataclass(frozen=True)
class Person:
    first: str
    last: str
    email: str
    street: str
    city: str
    state: str
    postcode: str
    phone: str


def make_people(rng: random.Random, count: int, domains: tuple[str, ...] = ("example.com",)) -> list[Person]:
    """``count`` people with distinct e-mail addresses, the same ones for the same ``rng`` state."""
    people: list[Person] = []
    seen: set[str] = set()
    while len(people) < count:
        first, last = rng.choice(FIRST_NAMES), rng.choice(LAST_NAMES)
        local = f"{first}.{last}".lower()
        if local in seen:
            local = f"{local}{rng.randint(2, 99)}"
            if local in seen:
                continue
        seen.add(local)
        city, state, zip3, area = rng.choice(CITIES)
        people.append(
            Person(
                first=first,
                last=last,
                email=f"{local}@{rng.choice(domains)}",
                street=f"{rng.randint(10, 9899)} {rng.choice(STREET_NAMES)} {rng.choice(STREET_KINDS)}",
                city=city,
                state=state,
                postcode=f"{zip3}{rng.randint(0, 99):02d}",
                phone=f"+1{area}555{rng.randint(0, 9999):04d}",
            )
        )
    return people
