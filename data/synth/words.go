package synth

// The lexicon, written for this generator. Each list is one category of
// words separated by commas. Nouns may give an irregular plural after a
// slash ("mouse/mice"); verbs may give irregular past and -ing forms
// ("run/ran/running"). Regular forms are derived in lexicon.go.

const girlNames = `Lily, Mia, Sue, Anna, Lucy, Ella, Zoe, Emma, Amy, Kate, Rose, Jane, Ruby, Daisy, Molly,
Sara, Lola, Nina, Ivy, Grace, Hannah, Chloe, Maya, Luna, Sophie, Alice, Clara, Leah, Tina, Jenny,
Poppy, Hazel, Olive, Ada, Bella, Cora, Eva, Fay, Gina, Holly, Iris, Julia, Kira, Layla, Nora, Pia,
Quinn, Rita, Stella, Tess, Una, Vera, Willa, Yara, Zara, Abby, Beth, Cleo, Dora, Elsie, Flora,
Greta, Hope, Isla, Jill, Kim, Lena, Mae, Nell, Opal, Pearl, Rosa, Sadie, Tara, Violet`

const boyNames = `Tom, Ben, Max, Sam, Tim, Jack, Leo, Finn, Jake, Joe, Bob, Dan, Ted, Ollie, Toby, Noah, Liam,
Oscar, Hugo, Milo, Ravi, Omar, Eli, Jonah, Luke, Adam, Bruno, Carl, Dev, Ezra, Felix, Gus, Henry,
Ian, Jasper, Kai, Louis, Mark, Ned, Otto, Pete, Rex, Seth, Theo, Umar, Vic, Will, Yusuf, Zack, Alfie,
Bill, Cody, Dexter, Eddie, Fred, George, Harry, Ivan, Jim, Kevin, Lenny, Mike, Nick, Owen, Paul,
Ralph, Sid, Tony, Victor, Wally, Arlo, Rory, Simon, Ricky`

// heroKinds are what a main character can be.
const heroKinds = `girl, boy, kid, cat, dog, puppy, kitten, bunny, bear, fox, mouse/mice, bird, duck, frog, pig,
lion, monkey, owl, turtle, squirrel, elephant, giraffe, panda, rabbit, lamb, pony, hedgehog, penguin,
dragon, robot, hamster, chick, tiger, koala, otter, raccoon, goat, sheep/sheep, cow, horse`

const animals = `ant, bat, bee, beetle, bug, butterfly, camel, caterpillar, crab, crow, deer/deer, dolphin,
donkey, dove, eagle, eel, fish/fish, flamingo, fly, goose/geese, gorilla, hen, hippo, kangaroo, ladybug,
lizard, llama, mole, moose/moose, moth, octopus, ostrich, parrot, peacock, pelican, pigeon, rooster,
seal, shark, snail, snake, spider, swan, toad, whale, wolf/wolves, worm, zebra, beaver, badger, chipmunk,
cricket, firefly, frog, gecko, goldfish/goldfish, grasshopper, hawk, jellyfish/jellyfish, lobster, magpie,
mouse/mice, ox/oxen, panther, puffin, robin, salmon/salmon, seagull, skunk, sparrow, starfish/starfish, stork,
tadpole, walrus, weasel, woodpecker, yak, alligator, buffalo/buffalo, cheetah, chicken, dinosaur, duckling,
hummingbird, jaguar, leopard, mosquito/mosquitoes, newt, orca, pony, poodle, puppy, quail/quail, reindeer/reindeer,
shrimp/shrimp, sloth, swallow, termite, toucan, trout/trout, vulture, wasp, wombat, bluebird, bumblebee, calf/calves`

const toys = `ball, kite, doll, teddy bear, truck, train, boat, car, drum, hat, book, crayon, puzzle, block, robot,
balloon, top, yo-yo, whistle, marble, shovel, bucket, wagon, bike, scooter, jump rope, rocket, plane,
puppet, flute, bell, box/boxes, blanket, pillow, cup, spoon, bowl, basket, backpack, map, key, shell, stone, stick,
feather, ribbon, necklace, bracelet, ring, crown, wand, sword, shield, lamp, lantern, flashlight, camera,
clock, watch/watches, umbrella, bottle, jar, paintbrush/paintbrushes, notebook, pencil, marker, sticker, button,
coin, jewel, toy, game, card, letter, picture, drawing, flag, trumpet, guitar, piano, violin, harp, xylophone,
tambourine, sled, skateboard, surfboard, tent, rope, net, bag, purse, wallet, comb, brush/brushes, mirror,
glove, sock, scarf/scarves, boot, shoe, mitten, sweater, jacket, dress/dresses, shirt, cap, helmet, apron, belt,
pebble, acorn, pinecone, seashell, snow globe, music box/music boxes, tea set, toy car, paper boat, kazoo,
harmonica, spinning top, rubber duck, glass jar, magnet, compass/compasses, telescope, magnifying glass/magnifying glasses`

const foods = `apple, banana, cake, cookie, pie, sandwich/sandwiches, candy/candies, carrot, cherry/cherries,
grape, lemon, orange, peach/peaches, pear, plum, strawberry/strawberries, blueberry/blueberries, muffin,
cupcake, pancake, waffle, donut, pizza, soup, bread/bread, cheese/cheese, egg, noodle, potato/potatoes,
tomato/tomatoes, pumpkin, corn/corn, bean, pea, rice/rice, honey/honey, jam/jam, milk/milk, juice/juice,
lollipop, popsicle, ice cream/ice cream, cracker, pretzel, melon, watermelon, pineapple, coconut, mango/mangoes,
kiwi, berry/berries, nut, peanut, biscuit, bun, cereal/cereal, yogurt/yogurt, salad, sausage, meatball,
taco, burrito, dumpling, cherry pie, apple pie, lemonade/lemonade, cocoa/cocoa, tea/tea, porridge/porridge,
oatmeal/oatmeal, broccoli/broccoli, cucumber, lettuce/lettuce, onion, garlic/garlic, pepper, spinach/spinach,
celery/celery, radish/radishes, turnip, beet, fig, date, apricot, raisin, walnut, almond, chestnut,
hazelnut, gingerbread/gingerbread, marshmallow, toffee/toffee, fudge/fudge, jelly/jellies, pudding, custard/custard,
butter/butter, toast/toast, bagel, croissant, scone, tart, brownie, cinnamon roll`

const places = `park, forest, beach, garden, farm, house, school, zoo, lake, river, hill, mountain, cave,
jungle, meadow, field, pond, town, city, village, castle, library, market, shop, playground, backyard,
kitchen, bedroom, attic, barn, island, valley, desert, bakery, museum, circus, fair, harbor, lighthouse,
station, bridge, tower, palace, swamp, orchard, treehouse, classroom, hospital, street, road, path,
camp, woods, sea, ocean, shore, cliff, canyon, waterfall, greenhouse, pool, toy store, candy shop,
fire station, post office, bus stop, train station, playroom, living room, bathroom, basement, porch, yard`

const nature = `tree, flower, rock, leaf/leaves, cloud, star, moon, sun, rainbow, puddle, hole, log, bush/bushes,
branch/branches, grass, vine, mushroom, rose, daisy/daisies, tulip, sunflower, dandelion, lily/lilies, daffodil,
violet, clover, fern, moss/mosses, pine tree, oak tree, apple tree, willow, maple, weed, seed, root, thorn,
petal, nest, web, hive, sand/sand, wave, stream, creek, snowflake, icicle, raindrop, dewdrop, breeze, wind,
storm, hilltop, stump, boulder, sky/skies, dirt/dirt, mud/mud, puddle, ice/ice, snow/snow, frost/frost,
fog/fog, thunder/thunder, lightning/lightning, sunset, sunrise, shadow, pumpkin patch/pumpkin patches`

const furniture = `bed, chair, table, sofa, couch/couches, desk, shelf/shelves, closet, drawer, door, window, rug,
carpet, stairs/stairs, fence, gate, wall, roof, floor, corner, cupboard, fridge, oven, sink, bathtub,
bench/benches, hammock, swing, slide, sandbox/sandboxes, mailbox/mailboxes, doghouse, fireplace, chimney,
curtain, basket, toy box/toy boxes, bookcase, cushion, stool`

const clothes = `red boots, yellow raincoat, warm coat, big hat, soft scarf, blue jeans, pajamas, sneakers,
sandals, slippers, overalls, rain boots, sun hat, wool socks, party dress, striped shirt, winter gloves`

const vehicles = `bus/buses, truck, train, boat, ship, plane, car, bike, tractor, van, taxi, wagon, cart,
helicopter, rocket, submarine, canoe, sailboat, fire truck, ambulance, scooter, balloon, sled, trolley`

const bodyParts = `nose, ears, eyes, tail, paws, hands, feet, head, back, knee, toes, fur, wings, whiskers,
teeth, tummy, arms, legs, cheeks, chin, elbow, shoulders, hair, fingers, beak, mouth`

const familyMembers = `mom, dad, grandma, grandpa, sister, brother, aunt, uncle, cousin, mommy, daddy, nana, papa`

const jobs = `teacher, doctor, baker, farmer, pilot, painter, firefighter, police officer, mail carrier,
nurse, cook, builder, sailor, singer, dancer, gardener, fisherman/fishermen, vet, librarian, clown, astronaut,
zookeeper, mechanic, carpenter, dentist, scientist, artist, driver, shopkeeper, tailor, potter, magician`

const colors = `red, blue, green, yellow, pink, purple, orange, white, black, brown, gray, gold, silver,
golden, shiny, sparkly, striped, spotted, bright, dark, pale, rosy, navy, violet, lime, teal, crimson`

const adjectives = `big, small, little, tiny, huge, tall, short, long, round, soft, hard, fluffy, fuzzy, furry,
smooth, rough, bumpy, sticky, wet, dry, warm, cold, hot, cool, old, new, young, clean, dirty, messy,
neat, pretty, beautiful, lovely, ugly, funny, silly, strange, odd, special, magic, secret, hidden, quiet,
loud, noisy, bright, dark, dim, sunny, rainy, windy, snowy, cloudy, stormy, foggy, shiny, dull, heavy,
light, empty, full, broken, lost, found, sweet, sour, salty, spicy, yummy, tasty, juicy, crunchy, fresh,
stale, busy, lazy, sleepy, hungry, thirsty, tired, strong, weak, fast, slow, quick, gentle, rough,
kind, mean, nice, good, bad, brave, shy, proud, curious, clever, smart, wise, friendly, grumpy, cheerful,
careful, careless, helpful, polite, rude, honest, playful, jolly, merry, calm, wild, tame, fancy, plain,
simple, giant, enormous, narrow, wide, deep, shallow, high, low, thick, thin, fat, skinny, cozy, comfy,
scary, spooky, creepy, gloomy, wonderful, amazing, great, fine, perfect, terrible, awful, horrible,
delicious, colorful, sparkling, glowing, twinkling, wobbly, squeaky, crooked, straight, curly, fuzzy,
prickly, slimy, slippery, muddy, sandy, dusty, rusty, leafy, grassy, rocky, icy, frosty, misty, breezy,
peaceful, happy, sad, angry, excited, scared, surprised, worried, lonely, bored, nervous, silent,
ancient, modern, tidy, golden, wooden, plastic, paper, velvet, woolly, silky, glassy, creaky, rusty,
tangled, twisted, dotted, patched, faded, frozen, melted, burnt, ripe, rotten, fragile, sturdy, mighty`

const traits = `kind, brave, curious, shy, clever, gentle, funny, helpful, happy, playful, careful, friendly,
smart, polite, honest, cheerful, bold, quiet, busy, lively, patient, caring, thoughtful, generous, wise,
silly, proud, hopeful, loving, lucky, sweet, bright, eager, jolly`

const happyFeelings = `happy, glad, excited, proud, joyful, thankful, grateful, cheerful, delighted, thrilled,
pleased, calm, relieved, safe, warm inside, full of joy, very happy, so glad`

const sadFeelings = `sad, upset, worried, scared, afraid, lonely, angry, cross, grumpy, frightened, nervous,
unhappy, gloomy, confused, sorry, frustrated, disappointed, miserable, tearful, shaky`

const adverbs = `quickly, slowly, quietly, loudly, happily, sadly, softly, gently, carefully, bravely, slowly,
suddenly, finally, together, again, away, outside, inside, around, everywhere, far, near, soon, later,
always, never, often, sometimes, very, really, almost, nearly, just, still, even, proudly, kindly,
politely, sleepily, hungrily, angrily, eagerly, nervously, calmly, wildly, gracefully, clumsily,
cheerfully, patiently, silently, brightly, warmly, loudly, lazily, busily, playfully, shyly, bravely,
curiously, neatly, merrily, swiftly, steadily, gladly, nicely, badly`

const daytimes = `morning, afternoon, evening, night, day, spring day, summer day, autumn morning, winter night,
sunny morning, rainy afternoon, windy day, snowy morning, foggy evening, warm night, cold morning`

const weathers = `sunny, rainy, windy, snowy, cloudy, stormy, foggy, warm, cold, hot, chilly, breezy, misty, frosty`

const noises = `bang, crash, boom, buzz/buzzes, whistle, squeak, thump, splash/splashes, pop, crack, rumble, hiss/hisses,
ding, clang, honk, roar, tweet, tap, knock, click, creak, rustle, whoosh/whooshes, thud, jingle, sizzle`

const homes = `house, cottage, hut, cabin, tree house, burrow, den, nest, farmhouse, apartment, tent, castle,
igloo, shed, barn, little home, big house, hollow log`

const spots = `under the bed, on top of the tree, behind the door, in the tall grass, under a big rock,
next to the pond, inside a hollow log, on the roof, under the table, behind a bush, in the sand,
at the bottom of the stream, under a pile of leaves, in a bird nest, behind the fence, under the swing,
inside the toy box, on a high shelf, in the mud, under the slide, next to the gate, in the garden,
under the porch, behind the barn, in a hole, near the flowers, in the closet, under a blanket`

// Verbs: base form, or base/past/ing when irregular.

const moveVerbs = `run/ran/running, jump, hop/hopped/hopping, skip/skipped/skipping, dance, spin/spun/spinning,
walk, climb, crawl, swim/swam/swimming, fly/flew/flying, roll, slide/slid/sliding, march, wander, race,
dash/dashed/dashing, wiggle, stomp, tiptoe/tiptoed/tiptoeing, float, splash/splashed/splashing, leap/leapt/leaping, zoom, waddle,
gallop, trot/trotted/trotting, bounce, twirl, scamper, dive/dove/diving, sneak/snuck/sneaking, stroll, rush/rushed/rushing,
hurry/hurried/hurrying, wobble, tumble, paddle, drift, glide, creep/crept/creeping, skate, jog/jogged/jogging`

const activities = `play ball, play tag, paint pictures, read books, fly kites, build towers, sing songs,
ride bikes, pick flowers, dig holes, bake cakes, draw pictures, play games, swim in the lake,
climb trees, jump rope, catch bugs, blow bubbles, make sandcastles, play music, collect shells,
watch the stars, plant seeds, feed the ducks, play hide and seek, tell stories, ride the swing,
kick the ball, make mud pies, look at clouds, play dress up, build forts, count the stars,
chase butterflies, splash in puddles, hunt for treasure, play with blocks, make paper boats,
roll down the hill, skip stones, fold paper planes, water the flowers, pick berries, go fishing,
make snowmen, go sledding, play the drum, sing loudly, dance in the rain, visit the farm`

const handVerbs = `hug, hold/held/holding, carry/carried/carrying, clean, paint, throw/threw/throwing, kick, push/pushed/pushing,
pull, lift, drop/dropped/dropping, catch/caught/catching, find/found/finding, fix/fixed/fixing, wash/washed/washing, shake/shook/shaking,
share, open, close, wrap/wrapped/wrapping, fold, tie, pat/patted/patting, poke, squeeze, touch/touched/touching, grab/grabbed/grabbing,
build/built/building, make/made/making, bring/brought/bringing, take/took/taking, give/gave/giving, keep/kept/keeping, hide/hid/hiding,
show, color, decorate, polish/polished/polishing, stack, sort, count, hang/hung/hanging, fill, empty/emptied/emptying`

const sayVerbs = `said, asked, shouted, whispered, replied, cried, laughed, giggled, yelled, called, answered,
explained, smiled, sighed, sang, cheered, squeaked, grumbled, added, exclaimed`

const lookVerbs = `look/looked/looking, search/searched/searching, peek/peeked/peeking, check, hunt, seek/sought/seeking, explore, dig/dug/digging`

const feelVerbs = `smile, laugh, giggle, cry/cried/crying, frown, sigh, nod/nodded/nodding, blink, yawn, sniff, shiver, gasp/gasped/gasping,
cheer, clap/clapped/clapping, wave, grin/grinned/grinning, shrug/shrugged/shrugging, pout, hum/hummed/humming, whistle`

const morals = `it is good to share with friends, being kind makes everyone happy, it is important to be careful,
friends help each other, it is okay to ask for help, being brave means trying even when you are scared,
telling the truth is always best, patience brings good things, working together makes hard things easy,
it is good to say sorry, taking care of your things is important, listening to your family keeps you safe,
every friend is special in their own way, practice makes you better, a little help goes a long way`

const skills = `ride a bike, swim, climb the big tree, whistle, tie shoes, read a book, bake bread, fly a kite,
catch a ball, jump rope, play the piano, skate, dive, build a boat, write letters, count to one hundred,
paint a picture, sing a song, plant a garden, do a cartwheel`

const sports = `soccer, tennis, baseball, basketball, hockey, golf, volleyball, cricket, rugby, badminton, bowling, karate`

const instruments = `drum, flute, guitar, piano, violin, trumpet, harp, horn, bell, banjo, cello, tuba, recorder, ukulele`

const shapes = `circle, square, triangle, star, heart, diamond, oval, spiral, zigzag, moon shape`

const numbers = `two, three, four, five, six, seven, eight, nine, ten, eleven, twelve, many, some, lots of, a few`

const sweets = `sugar, sprinkles, chocolate, vanilla, caramel, syrup, frosting, cream, cinnamon, nutmeg, ginger`

const insideThings = `a tiny key, a shiny coin, a little note, a map, a gold ring, a blue stone, a small bell, a feather,
an old photo, a seed, a marble, a silver button, a glass bead, a paper star, a wooden whistle`

// heroAdjectives describe a main character when the story opens.
const heroAdjectives = `little, small, big, young, tiny, fluffy, happy, brave, kind, curious, clever, shy, friendly,
cheerful, playful, gentle, sleepy, busy, silly, funny, proud, careful, quiet, cute, lively, sweet, smart, strong`
