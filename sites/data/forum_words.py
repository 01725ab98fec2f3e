"""The forum's vocabulary: categories with their subjects and advice, topic and comment templates.

Written for Palaestra (Apache-2.0); see DATA.md. Each category lists things people discuss
(``things``), advice they give (``tips``, phrased to follow "I always ..." or "try to ...") and
activities (``doing``); titles and comments are composed from shared templates.
"""

from __future__ import annotations

from typing import TypedDict


class Board(TypedDict):
    description: str
    things: list[str]
    tips: list[str]
    doing: list[str]


def _board(description: str, things: str, tips: str, doing: str) -> Board:
    split = lambda text: [w.strip() for w in text.split(";")]  # noqa: E731
    return {"description": description, "things": split(things), "tips": split(tips), "doing": split(doing)}


BOARDS: dict[str, Board] = {
    "Home Cooking": _board(
        "Recipes, techniques and kitchen disasters.",
        "sourdough starter; cast iron pan; chef's knife; pressure cooker; spice blend; stock; pizza dough;"
        " braised short ribs; weeknight curry; homemade pasta",
        "salt the pasta water generously; let the pan preheat properly; rest meat before slicing;"
        " toast whole spices first; weigh flour instead of using cups; taste as you go",
        "baking bread; meal prepping; making stock from scratch; fermenting vegetables",
    ),
    "Gardening": _board(
        "Vegetables, flowers, soil and everything that grows.",
        "raised bed; tomato plants; compost bin; drip irrigation; clay soil; seed starting tray;"
        " fruit trees; native wildflowers; mulch; rain barrel",
        "water deeply but less often; mulch before the summer heat; rotate crops every year;"
        " test your soil first; start seeds indoors six weeks early; prune after flowering",
        "starting a vegetable garden; building a compost pile; growing tomatoes; saving seeds",
    ),
    "Cycling": _board(
        "Road, gravel, commuting and bike maintenance.",
        "gravel bike; tubeless tires; clipless pedals; bike commute; chain lube; bike fit;"
        " rain jacket; cargo bike; power meter; bike lights",
        "check tire pressure before every ride; clean the chain every few weeks; get a proper bike fit;"
        " carry a spare tube; ride with lights even in daytime; lower your saddle a little",
        "commuting by bike; riding a century; learning to fix a flat; riding through winter",
    ),
    "Photography": _board(
        "Cameras, lenses, editing and critique.",
        "mirrorless camera; 50mm prime lens; tripod; raw editing workflow; film camera; flash;"
        " street photography; ND filter; camera bag; golden hour",
        "shoot in raw; learn the exposure triangle first; back up your photos twice;"
        " walk closer instead of zooming; check the histogram; clean the sensor carefully",
        "shooting portraits; learning manual mode; developing film at home; editing landscapes",
    ),
    "Personal Finance": _board(
        "Budgets, saving, investing and debt.",
        "emergency fund; index fund; high-yield savings account; credit card debt; retirement account;"
        " budgeting app; car loan; side income; mortgage refinance; tax return",
        "automate your savings; pay off the highest interest debt first; keep six months of expenses;"
        " read the fee schedule; avoid lifestyle creep; track spending for a month",
        "paying off debt; building a budget; saving for a house; starting to invest",
    ),
    "Books": _board(
        "What we are reading, loved or could not finish.",
        "mystery novel; fantasy series; audiobook; library card; book club; e-reader; short story"
        " collection; biography; classic novel; poetry anthology",
        "give a book fifty pages before quitting; keep a reading journal; try the audiobook version;"
        " join a local book club; read outside your usual genre; use the library app",
        "reading more; starting a book club; finishing a long series; reading the classics",
    ),
    "Movies & TV": _board(
        "Reviews, recommendations and spoiler-tagged discussion.",
        "documentary; sci-fi series; film festival; home theater; animated film; limited series;"
        " director's cut; streaming service; soundtrack; indie film",
        "watch it without reading reviews; turn off motion smoothing; use subtitles for fast dialogue;"
        " watch the original first; give a show three episodes",
        "rewatching a series; going to a film festival; setting up a home theater; watching old classics",
    ),
    "Travel": _board(
        "Trip reports, itineraries and packing lists.",
        "carry-on backpack; rail pass; travel insurance; national park; packing cubes; layover;"
        " hostel; road trip; travel credit card; off-season trip",
        "pack half of what you think you need; book trains early; keep copies of your passport;"
        " learn a few phrases; travel in the shoulder season; carry a small first aid kit",
        "planning a road trip; traveling solo; visiting national parks; traveling with kids",
    ),
    "Home Improvement": _board(
        "DIY projects, repairs and renovation advice.",
        "drywall patch; kitchen backsplash; cordless drill; deck stain; leaky faucet; insulation;"
        " paint sprayer; tile saw; smart thermostat; basement waterproofing",
        "measure twice and cut once; turn off the water first; buy ten percent extra tile;"
        " prime before painting; rent the expensive tools; get three quotes",
        "renovating a bathroom; refinishing a deck; painting a room; fixing a leak",
    ),
    "Programming": _board(
        "Languages, tools, careers and code review.",
        "Python script; code review; unit tests; mechanical keyboard; text editor; side project;"
        " database index; version control; type checker; REST API",
        "write the test first; read the error message slowly; commit small changes; profile before"
        " optimizing; name things clearly; keep functions short",
        "learning Rust; contributing to open source; preparing for interviews; refactoring old code",
    ),
    "Board Games": _board(
        "Strategy, party and cooperative games, and game nights.",
        "deck-building game; cooperative game; worker placement game; game night; expansion;"
        " card sleeves; solo mode; party game; legacy campaign; game shelf",
        "teach with a sample round; sleeve the cards you shuffle most; rotate the first player;"
        " keep rules summaries in the box; start with lighter games",
        "hosting a game night; playing solo; painting miniatures; teaching new players",
    ),
    "Running": _board(
        "Training plans, races, shoes and injuries.",
        "half marathon; running shoes; training plan; trail race; tempo run; foam roller;"
        " running watch; 5K; long run; race-day breakfast",
        "increase mileage slowly; run most miles easy; replace shoes every 400 miles;"
        " stretch after running; practice your race-day food; take rest days seriously",
        "training for a marathon; coming back from injury; running in the heat; starting couch to 5K",
    ),
    "Pets": _board(
        "Dogs, cats and other companions.",
        "rescue dog; indoor cat; dog food; litter box; puppy training; pet insurance; vet visit;"
        " cat tree; harness; senior dog",
        "reward good behaviour right away; keep training sessions short; brush their teeth weekly;"
        " introduce new food slowly; get them microchipped",
        "adopting a rescue; crate training; introducing two cats; caring for a senior pet",
    ),
    "Music": _board(
        "Playing, listening and recording.",
        "acoustic guitar; vinyl collection; home studio; digital piano; headphones; music theory;"
        " ukulele; live show; playlist; drum kit",
        "practice a little every day; use a metronome; record yourself; learn songs you love;"
        " treat your hearing with care",
        "learning guitar; recording at home; collecting vinyl; playing in a band",
    ),
    "Science": _board(
        "Questions and news from every field.",
        "telescope; research paper; climate data; microscope; citizen science project; eclipse;"
        " lab notebook; statistics course; museum exhibit; podcast",
        "read the paper, not just the headline; check the sample size; look for replication;"
        " ask what the control group was",
        "stargazing; reading research papers; doing citizen science; teaching kids science",
    ),
    "History": _board(
        "Ancient to modern, documents to documentaries.",
        "primary source; museum visit; family tree; old map; archive; historical novel; battlefield"
        " tour; oral history; local history society; history podcast",
        "start with primary sources; check when the book was written; visit local archives;"
        " write down relatives' stories now",
        "researching family history; visiting historic sites; reading about ancient Rome",
    ),
    "Parenting": _board(
        "Babies to teenagers: advice and solidarity.",
        "bedtime routine; car seat; screen time; school lunch; toddler tantrum; allowance;"
        " homework help; family vacation; baby monitor; summer camp",
        "keep the routine boring and consistent; pick your battles; read together every night;"
        " let them help in the kitchen; take care of yourself too",
        "sleep training; starting school; raising teenagers; traveling with a baby",
    ),
    "Careers": _board(
        "Job searching, interviews, promotions and changing fields.",
        "resume; cover letter; salary negotiation; job offer; remote job; performance review;"
        " career change; mentor; portfolio; certification",
        "tailor your resume to each job; practice answers out loud; always negotiate politely;"
        " keep a list of your wins; ask for feedback early",
        "changing careers; negotiating salary; working remotely; preparing for interviews",
    ),
    "Fitness": _board(
        "Strength, mobility and staying consistent.",
        "home gym; kettlebell; squat form; protein intake; mobility routine; pull-up; rowing machine;"
        " workout log; rest day; resistance bands",
        "focus on form before weight; progress gradually; sleep enough; warm up properly;"
        " write every workout down",
        "starting strength training; working out at home; getting a first pull-up; staying consistent",
    ),
    "Local Events": _board(
        "Markets, meetups and what is on this weekend.",
        "farmers market; street fair; library talk; community garden; charity run; open mic;"
        " flea market; neighbourhood cleanup; concert in the park; craft fair",
        "arrive early for parking; bring cash for small vendors; check the weather the night before;"
        " volunteer if you can",
        "organizing a meetup; volunteering locally; finding weekend events; starting a club",
    ),
    "Tech Support": _board(
        "Help with computers, phones and home networks.",
        "wifi router; laptop battery; password manager; backup drive; printer driver; phone storage;"
        " mesh network; old desktop; browser extension; smart TV",
        "restart it before anything else; update the firmware; keep a backup offline;"
        " use a password manager; write down what changed",
        "setting up a home network; replacing a laptop battery; backing up photos; fixing slow wifi",
    ),
    "Off Topic": _board(
        "Anything that does not fit elsewhere.",
        "morning routine; favourite snack; weekend plan; podcast recommendation; coffee order;"
        " houseplant; rainy day; road trip playlist; childhood game; small win",
        "go outside for a walk; drink more water; call an old friend; keep a small notebook",
        "trying a new hobby; learning a language; decluttering; starting a journal",
    ),
}

TITLE_TEMPLATES = [
    "What is your favourite {thing}?", "Is a {thing} worth it?", "Beginner question about {thing}",
    "Tips for {doing}?", "Finally started {doing}", "{Thing} recommendations?",
    "How do you deal with your {thing}?", "{Thing} or {thing2}: which would you pick?",
    "Anyone else struggling with {doing}?", "Lessons learned from a year of {doing}",
    "My {thing} setup, feedback welcome", "Unpopular opinion about {thing}",
    "What I wish I knew before {doing}", "Budget {thing} that actually lasts?",
    "Weekly thread: {doing}", "Help! Problem with my {thing}",
]  # fmt: skip

OPENING_POSTS = [
    "I have been {doing} for a few months now and I keep coming back to the {thing}. {tip_sentence}"
    " What has worked for you?",
    "Looking for advice. My {thing} has been giving me trouble and I am not sure where to start."
    " Someone told me to {tip}, is that right?",
    "Quick question for the group: how do you choose a {thing}? I have read a lot of reviews but"
    " would rather hear from people here.",
    "Sharing what I learned: {tip_sentence} Also, do not underestimate the {thing2}.",
    "Just wanted to say I finally started {doing}. Any tips before I go further?",
]

REPLIES = [
    "Great question. {tip_sentence}",
    "I had the same problem with my {thing} last year. In the end I learned to {tip}.",
    "Following this thread, I am also {doing}.",
    "+1 to everyone who said to {tip}. It made a big difference for me.",
    "Honestly the {thing} is overrated. The {thing2} matters more.", "My two cents: {tip_sentence}",
    "This is the kind of post that makes this forum great. Thanks for sharing!",
    "I disagree a little. It depends on your situation, but I would not skip the {thing2}.",
    "Did you ever solve this? I am curious what you ended up doing with the {thing}.",
    "Came here to say exactly this. Always {tip}.",
    "Bookmarking this. Lots of good advice about {doing}.",
    "Thanks, this helped. I tried it this weekend and the {thing} works much better now.",
]  # fmt: skip

ADJECTIVES = [
    "quiet", "brave", "sunny", "rusty", "lucky", "clever", "gentle", "swift", "happy", "cosmic",
    "dusty", "mellow", "bold", "silver", "amber", "crimson", "misty", "frosty", "golden", "hidden",
    "lazy", "noble", "polar", "rapid", "rustic", "salty", "spicy", "stormy", "tidy", "urban", "vivid",
    "wild", "witty", "zesty", "humble", "jolly",
]  # fmt: skip
NOUNS = [
    "heron", "otter", "maple", "fern", "comet", "falcon", "badger", "lantern", "pebble", "harbor",
    "meadow", "willow", "cedar", "raven", "fox", "trail", "biscuit", "pixel", "sparrow", "walrus",
    "acorn", "beacon", "canyon", "cricket", "dune", "ember", "glacier", "hazel", "kettle", "marble",
    "nectar", "orchid", "quill", "sprout", "thistle", "tundra",
]  # fmt: skip
