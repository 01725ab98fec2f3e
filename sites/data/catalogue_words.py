"""The shop's catalogue vocabulary: departments, categories, product nouns, variants and features.

Written for Palaestra (Apache-2.0, like the rest of the repository); see DATA.md. Product names are
composed as "<brand> <variant> <noun>[, <size>]"; descriptions from the category's features.
"""

from __future__ import annotations

from typing import TypedDict


class Leaf(TypedDict):
    nouns: list[str]
    variants: list[str]
    sizes: list[str]
    features: list[str]
    price: tuple[float, float]


class Department(TypedDict):
    product_class: str
    brands: list[str]
    aspects: list[str]
    leaves: dict[str, Leaf]


def _leaf(nouns: str, variants: str, sizes: str, features: str, price: tuple[float, float]) -> Leaf:
    return {
        "nouns": [w.strip() for w in nouns.split(";")],
        "variants": [w.strip() for w in variants.split(";")],
        "sizes": [w.strip() for w in sizes.split(";") if w.strip()],
        "features": [w.strip() for w in features.split(";")],
        "price": price,
    }


DEPARTMENTS: dict[str, Department] = {
    "Kitchen & Dining": {
        "product_class": "Kitchenware",
        "brands": ["Hearthstone", "Copperline", "Northfield", "Marlow & Finch", "Castelli", "Oakhaven"],
        "aspects": ["heats evenly", "is easy to clean", "feels solid", "looks great on the counter"],
        "leaves": {
            "Cookware": _leaf(
                "Skillet; Saucepan; Dutch Oven; Stockpot; Wok; Saute Pan; Grill Pan; Braiser",
                "Cast Iron; Stainless Steel; Nonstick Aluminum; Enameled Cast Iron; Tri-Ply Copper",
                "8-inch; 10-inch; 12-inch; 3-quart; 5-quart",
                "heats evenly from edge to centre; is oven safe to 500 degrees; works on induction hobs;"
                " has a riveted stay-cool handle; comes with a tight-fitting lid",
                (19.0, 189.0),
            ),
            "Bakeware": _leaf(
                "Loaf Pan; Muffin Tin; Sheet Pan; Springform Pan; Pie Dish; Bundt Pan; Cooling Rack",
                "Carbon Steel; Silicone; Glass; Ceramic; Aluminized Steel",
                "6-cup; 9-inch; 12-cup; half-sheet",
                "releases cakes cleanly; is dishwasher safe; has rolled edges that resist warping;"
                " bakes evenly without hot spots",
                (8.5, 49.0),
            ),
            "Knives & Cutlery": _leaf(
                "Chef's Knife; Paring Knife; Bread Knife; Santoku Knife; Knife Block Set; Steak Knife Set;"
                " Honing Steel; Kitchen Shears",
                "German Steel; Japanese Damascus; High-Carbon; Ceramic; Stainless",
                "3.5-inch; 6-inch; 8-inch; 4-piece; 6-piece",
                "holds a razor edge; has a full-tang handle; is balanced for long prep sessions;"
                " comes with a protective sheath",
                (12.0, 239.0),
            ),
            "Coffee & Tea": _leaf(
                "French Press; Pour-Over Dripper; Burr Grinder; Milk Frother; Teapot; Espresso Tamper;"
                " Cold Brew Maker; Tea Infuser",
                "Borosilicate Glass; Stainless Steel; Ceramic; Cast Iron; Bamboo",
                "12-ounce; 34-ounce; 1-liter; 6-cup",
                "brews a full-bodied cup; keeps grounds out of the coffee; is easy to take apart;"
                " holds heat for a second cup",
                (9.0, 149.0),
            ),
            "Tableware": _leaf(
                "Dinner Plate Set; Pasta Bowl Set; Mug Set; Serving Platter; Wine Glass Set; Flatware Set;"
                " Salad Bowl; Tumbler Set",
                "Stoneware; Porcelain; Crystal; Melamine; Hammered Copper",
                "4-piece; 6-piece; 12-piece; 16-piece",
                "is chip resistant; is microwave and dishwasher safe; stacks neatly in the cupboard;"
                " has a hand-glazed finish",
                (14.0, 129.0),
            ),
            "Kitchen Storage": _leaf(
                "Canister Set; Spice Rack; Bread Box; Food Storage Containers; Pantry Bins; Lunch Box",
                "Airtight Glass; Bamboo; Enamel; BPA-Free Plastic; Stainless Steel",
                "3-piece; 5-piece; 10-piece; 24-piece",
                "keeps flour and sugar fresh; has snap-lock lids; stacks to save space; is freezer safe",
                (11.0, 69.0),
            ),
        },
    },
    "Home & Living": {
        "product_class": "Home Goods",
        "brands": ["Linden & Co", "Softwell", "Brightmoor", "Alder Lane", "Nordvik", "Willowmere"],
        "aspects": ["looks even better in person", "is well made", "was easy to set up", "feels luxurious"],
        "leaves": {
            "Bedding": _leaf(
                "Duvet Cover Set; Sheet Set; Down Alternative Comforter; Pillow Pair; Weighted Blanket;"
                " Quilt; Mattress Topper",
                "Organic Cotton; Linen; Bamboo Viscose; Flannel; Sateen",
                "Twin; Full; Queen; King",
                "stays cool through the night; softens with every wash; has deep pockets;"
                " is OEKO-TEX certified",
                (29.0, 249.0),
            ),
            "Lighting": _leaf(
                "Table Lamp; Floor Lamp; Pendant Light; Desk Lamp; String Lights; Wall Sconce; Night Light",
                "Brass; Matte Black; Rattan; Frosted Glass; Ceramic",
                "small; medium; large",
                "gives a warm, even glow; takes standard E26 bulbs; has a dimmable switch;"
                " comes fully assembled",
                (15.0, 219.0),
            ),
            "Rugs": _leaf(
                "Area Rug; Runner Rug; Doormat; Bath Mat; Round Rug; Outdoor Rug",
                "Hand-Woven Wool; Jute; Low-Pile Polyester; Cotton Flatweave; Shag",
                "2x3 ft; 3x5 ft; 5x8 ft; 8x10 ft",
                "does not shed; lies flat out of the box; is machine washable; has a non-slip backing",
                (12.0, 399.0),
            ),
            "Storage & Organization": _leaf(
                "Storage Basket; Closet Organizer; Shoe Rack; Under-Bed Bin; Drawer Dividers; Coat Rack;"
                " Floating Shelf",
                "Woven Seagrass; Canvas; Walnut; Powder-Coated Steel; Felt",
                "2-pack; 3-pack; 4-tier; 24-inch",
                "assembles without tools; holds more than it looks; folds flat when not in use;"
                " hides clutter in style",
                (9.0, 119.0),
            ),
            "Home Decor": _leaf(
                "Throw Pillow; Wall Mirror; Vase; Picture Frame Set; Candle; Wall Clock; Throw Blanket",
                "Velvet; Ceramic; Recycled Glass; Soy Wax; Boucle",
                "small; 18x18 in; 24-inch; set of 3",
                "adds texture to any room; is handmade by artisans; has a timeless look;"
                " makes a thoughtful gift",
                (8.0, 149.0),
            ),
        },
    },
    "Garden & Outdoor": {
        "product_class": "Outdoor",
        "brands": ["Greenfold", "Fieldcraft", "Terraform", "Bramblewood", "Sunhollow"],
        "aspects": [
            "survived a whole season outside",
            "is sturdy",
            "was worth the price",
            "works as described",
        ],
        "leaves": {
            "Garden Tools": _leaf(
                "Pruning Shears; Hand Trowel; Garden Hoe; Leaf Rake; Hose Nozzle; Kneeling Pad;"
                " Garden Fork; Watering Can",
                "Forged Steel; Ash-Handled; Ergonomic; Stainless; Heavy-Duty",
                "compact; standard; long-handle",
                "cuts cleanly through thick stems; has a comfortable grip; resists rust;"
                " hangs neatly in the shed",
                (7.0, 69.0),
            ),
            "Planters": _leaf(
                "Terracotta Pot; Self-Watering Planter; Raised Garden Bed; Hanging Basket; Window Box;"
                " Plant Stand",
                "Terracotta; Glazed Ceramic; Cedar Wood; Galvanized Steel; Recycled Plastic",
                "6-inch; 10-inch; 14-inch; 4x2 ft",
                "drains well; keeps roots cool; will not crack in frost; has a built-in reservoir",
                (9.0, 159.0),
            ),
            "Outdoor Furniture": _leaf(
                "Adirondack Chair; Patio Dining Set; Hammock; Folding Bistro Set; Outdoor Bench;"
                " Sun Lounger; Porch Swing",
                "Teak; All-Weather Wicker; Powder-Coated Aluminum; Acacia Wood; Recycled Poly",
                "2-seat; 4-seat; 6-seat",
                "stands up to sun and rain; folds away for winter; needs no tools to assemble;"
                " comes with weather-resistant cushions",
                (59.0, 899.0),
            ),
            "Grills & Outdoor Cooking": _leaf(
                "Charcoal Grill; Gas Grill; Pizza Oven; Grill Tool Set; Smoker Box; Fire Pit;"
                " Grill Thermometer",
                "Cast Iron; Stainless Steel; Porcelain-Coated; Portable; Wood-Fired",
                "18-inch; 22-inch; 3-burner; 5-piece",
                "reaches searing heat fast; has a built-in thermometer; cleans up easily;"
                " packs up for camping trips",
                (14.0, 699.0),
            ),
        },
    },
    "Electronics": {
        "product_class": "Electronics",
        "brands": ["Voltara", "Pixelon", "Soundmere", "Arcwave", "Kestrel Audio", "Lumio"],
        "aspects": ["has great battery life", "sounds fantastic", "connected in seconds", "is well built"],
        "leaves": {
            "Headphones": _leaf(
                "Over-Ear Headphones; Wireless Earbuds; On-Ear Headphones; Sport Earbuds;"
                " Kids' Headphones; Gaming Headset",
                "Noise-Cancelling; Bluetooth; Wired; Open-Back; Low-Latency",
                "",
                "blocks out the commute; lasts 30 hours on a charge; folds flat for travel;"
                " has a clear built-in microphone",
                (19.0, 349.0),
            ),
            "Speakers": _leaf(
                "Bluetooth Speaker; Soundbar; Bookshelf Speakers; Smart Speaker; Party Speaker;"
                " Shower Speaker",
                "Waterproof; Portable; Wi-Fi; Stereo; Rugged",
                "mini; compact; full-size",
                "fills a room with rich sound; pairs two speakers for stereo; is splash proof;"
                " charges over USB-C",
                (24.0, 499.0),
            ),
            "Chargers & Cables": _leaf(
                "USB-C Cable; Wall Charger; Power Bank; Wireless Charging Pad; Car Charger; Charging Station",
                "Braided; Fast-Charge; Magnetic; Compact; Multi-Port",
                "3 ft; 6 ft; 10,000 mAh; 20,000 mAh; 65 W",
                "charges a phone to half in thirty minutes; survives thousands of bends;"
                " protects against overheating; fits in a pocket",
                (7.0, 89.0),
            ),
            "Computer Accessories": _leaf(
                "Wireless Mouse; Mechanical Keyboard; Laptop Stand; USB-C Hub; Webcam; Monitor Arm;"
                " Mouse Pad",
                "Ergonomic; Aluminum; Low-Profile; Backlit; Adjustable",
                "compact; full-size; 7-in-1; 1080p",
                "reduces wrist strain; works with Mac and Windows; needs no drivers; has a long battery life",
                (9.0, 199.0),
            ),
            "Smart Home": _leaf(
                "Smart Plug; Video Doorbell; Smart Bulb; Indoor Camera; Thermostat; Motion Sensor",
                "Wi-Fi; Voice-Controlled; Energy-Monitoring; Battery-Powered; Color-Changing",
                "single; 2-pack; 4-pack",
                "sets up from the app in minutes; works with voice assistants; runs on schedules;"
                " sends alerts to your phone",
                (12.0, 249.0),
            ),
        },
    },
    "Sports & Outdoors": {
        "product_class": "Sporting Goods",
        "brands": ["Ridgeline", "Summitra", "Pacewell", "Trailborn", "Corelift", "Bluefin"],
        "aspects": ["held up on long trips", "is light", "fits perfectly", "is excellent value"],
        "leaves": {
            "Yoga & Pilates": _leaf(
                "Yoga Mat; Yoga Block Set; Pilates Ring; Resistance Band Set; Foam Roller; Yoga Strap",
                "Natural Rubber; Cork; TPE; Extra-Thick; Travel",
                "4 mm; 6 mm; 2-pack; 5-pack",
                "grips even when sweaty; cushions the knees; rolls up small; is free of latex",
                (9.0, 99.0),
            ),
            "Camping": _leaf(
                "Dome Tent; Sleeping Bag; Camping Stove; Headlamp; Camp Chair; Water Filter; Lantern",
                "Ultralight; Four-Season; Waterproof; Rechargeable; Compact",
                "1-person; 2-person; 4-person; 20-degree",
                "sets up in under five minutes; packs down small; keeps you dry in a downpour;"
                " weighs next to nothing",
                (14.0, 399.0),
            ),
            "Cycling": _leaf(
                "Bike Helmet; Bike Lock; Bike Light Set; Saddle Bag; Floor Pump; Cycling Gloves;"
                " Water Bottle Cage",
                "Carbon; Reflective; Heavy-Duty; Rechargeable; Gel-Padded",
                "S/M; M/L; universal",
                "is visible from half a mile; mounts without tools; passes safety standards;"
                " stays put on rough roads",
                (8.0, 179.0),
            ),
            "Running": _leaf(
                "Running Belt; Hydration Vest; Reflective Vest; Compression Socks; Running Cap;"
                " Armband Phone Holder",
                "Breathable; Lightweight; Moisture-Wicking; Reflective; Seamless",
                "XS/S; M/L; XL",
                "does not bounce; dries quickly; keeps keys and phone secure; stays comfortable for miles",
                (9.0, 89.0),
            ),
            "Weights & Strength": _leaf(
                "Adjustable Dumbbell Set; Kettlebell; Weight Bench; Pull-Up Bar; Ab Roller; Jump Rope",
                "Cast Iron; Vinyl-Coated; Rubber Hex; Steel; Foldable",
                "5 lb; 15 lb; 25 lb; 52.5 lb",
                "saves space in a small apartment; has a knurled grip; will not scratch floors;"
                " adjusts in seconds",
                (12.0, 429.0),
            ),
        },
    },
    "Office & Stationery": {
        "product_class": "Stationery",
        "brands": ["Inkwell", "Paperwright", "Quillby", "Deskform", "Marginalia"],
        "aspects": ["writes beautifully", "is sturdy", "keeps my desk tidy", "was a great gift"],
        "leaves": {
            "Notebooks & Journals": _leaf(
                "Dotted Notebook; Lined Journal; Sketchbook; Weekly Planner; Pocket Notebook;"
                " Spiral Notebook",
                "Hardcover; Leather-Bound; Recycled Paper; Softcover; Linen-Covered",
                "A5; A6; B5; 3-pack",
                "has fountain-pen-friendly paper; lies flat when open; has numbered pages;"
                " includes a ribbon bookmark",
                (5.0, 39.0),
            ),
            "Pens & Pencils": _leaf(
                "Gel Pen Set; Fountain Pen; Mechanical Pencil; Highlighter Set; Fineliner Set;"
                " Colored Pencils",
                "Retractable; Brass; Quick-Dry; Archival; Pastel",
                "0.5 mm; 0.7 mm; 12-pack; 24-pack",
                "writes smoothly without skipping; does not smear; feels balanced in the hand; is refillable",
                (4.0, 89.0),
            ),
            "Desk Organizers": _leaf(
                "Desk Organizer; Letter Tray; Pen Holder; Monitor Riser; Cable Organizer; Desk Pad",
                "Walnut; Mesh Metal; Leather; Acrylic; Bamboo",
                "single; 2-tier; 3-tier; large",
                "clears clutter off the desk; has non-slip feet; holds everything within reach;"
                " looks smart in any office",
                (7.0, 79.0),
            ),
        },
    },
    "Personal Care": {
        "product_class": "Personal Care",
        "brands": ["Verdana Botanicals", "Pure Tide", "Saltmarsh", "Amberly", "Clearfield"],
        "aspects": ["smells amazing", "is gentle on my skin", "lasts a long time", "works as promised"],
        "leaves": {
            "Skin Care": _leaf(
                "Face Moisturizer; Gentle Cleanser; Vitamin C Serum; Sunscreen; Night Cream; Lip Balm",
                "Fragrance-Free; Hydrating; Mineral; Oil-Free; Soothing",
                "1 fl oz; 1.7 fl oz; 3.4 fl oz",
                "absorbs quickly without residue; suits sensitive skin; is never tested on animals;"
                " is made with plant-based ingredients",
                (6.0, 64.0),
            ),
            "Hair Care": _leaf(
                "Shampoo; Conditioner; Hair Mask; Wide-Tooth Comb; Paddle Brush; Hair Dryer",
                "Sulfate-Free; Argan Oil; Volumizing; Ionic; Boar Bristle",
                "8 fl oz; 16 fl oz; travel size",
                "leaves hair soft and shiny; tames frizz; is safe for colored hair; cuts drying time",
                (7.0, 129.0),
            ),
            "Bath": _leaf(
                "Bath Towel Set; Bath Bombs; Body Wash; Loofah; Bathrobe; Shower Caddy",
                "Turkish Cotton; Lavender; Eucalyptus; Waffle-Weave; Rust-Proof",
                "2-piece; 6-piece; 16 fl oz; one size",
                "turns a bath into a spa; is plush and absorbent; rinses clean; dries fast",
                (6.0, 89.0),
            ),
        },
    },
    "Toys & Games": {
        "product_class": "Toys",
        "brands": ["Meeple Works", "Brightbrick", "Puzzlewood", "Little Otter", "Gamewright Hall"],
        "aspects": ["is a family favourite", "kept the kids busy for hours", "is well made", "is great fun"],
        "leaves": {
            "Board Games": _leaf(
                "Strategy Game; Party Game; Cooperative Game; Word Game; Trivia Game; Card Game",
                "Deluxe; Family; Travel; Two-Player; Expansion",
                "2-4 players; 2-6 players; 3-8 players",
                "teaches in ten minutes; plays in under an hour; has beautiful artwork;"
                " rewards clever strategy",
                (12.0, 79.0),
            ),
            "Puzzles": _leaf(
                "Jigsaw Puzzle; 3D Puzzle; Brain Teaser Set; Puzzle Mat; Wooden Puzzle",
                "Landscape; Botanical; Vintage Map; Wildlife; Cityscape",
                "300 pieces; 500 pieces; 1000 pieces; 2000 pieces",
                "has pieces that fit snugly; comes with a reference poster; is printed on recycled board;"
                " makes a great family project",
                (9.0, 49.0),
            ),
            "Building Sets": _leaf(
                "Building Block Set; Marble Run; Magnetic Tiles; Robot Kit; Wooden Train Set",
                "Classic; Creative; STEM; Starter; Deluxe",
                "100 pieces; 250 pieces; 500 pieces",
                "sparks open-ended play; is compatible with major brands; stores in its own box;"
                " teaches basic engineering",
                (14.0, 149.0),
            ),
        },
    },
    "Pet Supplies": {
        "product_class": "Pet Supplies",
        "brands": ["Pawsome", "Whisker & Wag", "Trusty Tail", "Barkley Goods"],
        "aspects": ["my dog loves it", "my cat will not leave it alone", "is durable", "was easy to clean"],
        "leaves": {
            "Dog Supplies": _leaf(
                "Dog Bed; Leash; Harness; Chew Toy; Food Bowl Set; Travel Crate; Grooming Brush",
                "Orthopedic; Reflective; No-Pull; Durable Rubber; Stainless Steel",
                "small; medium; large; extra large",
                "stands up to heavy chewers; washes in the machine; keeps walks under control;"
                " supports older joints",
                (8.0, 149.0),
            ),
            "Cat Supplies": _leaf(
                "Cat Tree; Scratching Post; Litter Box; Cat Bed; Feather Wand; Water Fountain",
                "Sisal; Covered; Self-Cleaning; Plush; Ceramic",
                "small; medium; large",
                "saves the sofa from scratches; controls odor; keeps water fresh and moving;"
                " keeps indoor cats active",
                (9.0, 189.0),
            ),
        },
    },
}

COLORS = [
    "Black", "White", "Charcoal", "Navy", "Sage Green", "Terracotta", "Sand", "Slate Blue", "Burgundy",
    "Mustard", "Ivory", "Forest Green", "Blush Pink", "Graphite", "Teal",
]  # fmt: skip

REVIEW_OPENERS = {
    5: [
        "Absolutely love it.",
        "Exceeded my expectations.",
        "Best purchase this year.",
        "Five stars, no question.",
    ],
    4: ["Really good overall.", "Very happy with this.", "Solid choice.", "Would buy again."],
    3: ["It's okay.", "Does the job.", "Mixed feelings.", "Average, but fine for the price."],
    2: ["Disappointed.", "Not what I hoped.", "Had some problems.", "Expected better."],
    1: ["Would not recommend.", "Returned it.", "Broke quickly.", "Poor quality."],
}
REVIEW_TITLES = {
    5: ["Perfect", "Love it", "Exactly what I wanted", "Fantastic quality", "Highly recommend"],
    4: ["Very good", "Great value", "Happy with it", "Nice and sturdy", "Good buy"],
    3: ["Okay", "Decent", "Fine for the price", "Some pros and cons", "It works"],
    2: ["Not great", "Some issues", "Meh", "Could be better", "Underwhelming"],
    1: ["Terrible", "Broke in a week", "Waste of money", "Do not buy", "Very disappointed"],
}
NEGATIVE_ASPECTS = [
    "arrived with a scratch",
    "is smaller than it looks in the photos",
    "feels flimsy",
    "stopped working after a month",
    "had a strong smell out of the box",
    "took ages to arrive",
]
