package synth

// Word lists of the knowledge chronicle (knowledge.go); the people's first
// names, animals, foods, jobs, colours and instruments come from the
// stories' lexicon (words.go).

// Surnames are a prefix and a suffix: 64 × 64 = 4,096 of them, times the
// first names, names every entity uniquely.
const surnamePrefixes = `Ash, Bell, Birch, Black, Bram, Brook, Cald, Carr, Cole, Corn, Crane, Dale, Dun, East,
Elm, Fair, Fern, Fox, Glen, Gold, Gray, Hale, Hart, Hay, Hazel, Holl, Kings, Lang, Lark, Lind, Marsh, Mead,
Mill, Moss, North, Oak, Pax, Pen, Pine, Quill, Rad, Raven, Red, Reed, Rook, Rose, Rush, Sand, Shaw, Silver,
Stan, Stone, Thorn, Under, Vale, Wake, Ward, West, White, Wild, Win, Wood, Wren, York`

const surnameSuffixes = `wood, ford, ley, more, ton, field, well, brook, dale, wick, worth, by, ham, hill, ridge,
stead, croft, holm, mere, haugh, gate, bury, den, fell, lock, low, stone, thorn, vale, water, win, ward, cott,
bridge, burn, cliff, combe, don, end, fold, grove, hurst, ing, land, lin, man, mont, nell, over, pool, rick,
shaw, side, stow, thwaite, top, ville, way, lake, wold, wyn, yard, acre, beck`

// Towns are a prefix and a suffix too: 16 × 8 = 128.
const townPrefixes = `Amber, Bright, Clear, Dusk, Ember, Frost, Green, High, Iron, Lake, Maple, Mist, Old, River, Sun, Willow`

const townSuffixes = `ford, haven, mouth, stead, wick, bury, field, port`

// petNames are what the pets are called.
const petNames = `Biscuit, Pickle, Pepper, Muffin, Button, Clover, Dusty, Ginger, Hazel, Jasper, Juniper,
Kiwi, Lucky, Mango, Nutmeg, Noodle, Olive, Patch, Peanut, Pebble, Pip, Pumpkin, Quincy, Rusty, Sage,
Scout, Shadow, Socks, Sprout, Sunny, Taffy, Tofu, Waffle, Whiskers, Ziggy, Bean, Bingo, Bubbles, Cocoa,
Comet, Cookie, Daisy, Dot, Fudge, Goose, Honey, Inky, Jelly, Marble, Maple, Mochi, Moose, Nugget, Oreo,
Paddy, Pixie, Pudding, Rocket, Smudge, Snowball, Sparky, Tango, Toffee, Wiggles`

// routines are things a person does every morning, in the past tense.
const routines = `fed the hens, swept the porch, watered the roses, baked the bread, fetched the milk,
opened the shutters, wound the clock, aired the quilts, mended a net, polished the boots, lit the stove,
brushed the horse, raked the leaves, read the paper, wrote a letter, tuned the radio, stacked the wood,
washed the cups, counted the coins, checked the traps, picked the beans, ground the coffee, sharpened the knives,
oiled the gate, painted a fence post, folded the laundry, walked the lane, fixed a chair, sorted the mail,
pumped the water, trimmed the hedge, cleaned the windows, tied up the boat, hung out the washing,
rang the bell, dusted the shelves, carried the eggs, filled the lamps, patched a sail, sang a hymn,
played a tune, planted a seed, climbed the hill, fed the goats, cut the cheese, swam in the pond, oiled the wheels, made the tea`

// strideWords name the steps of counting: "by threes".
var strideWords = []string{2: "twos", 3: "threes", 4: "fours", 5: "fives", 6: "sixes", 7: "sevens", 8: "eights", 9: "nines"}
