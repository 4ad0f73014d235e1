package synth

// Story parts: every story is an intro, one plot and an ending. The plots
// introduce characters, an object and a place early and come back to them
// later, so that a model that remembers the start predicts the end better.

var intros = []([]step){
	mustPlot(
		`Once upon a time, there was {a} {~hadj} {hkind} named {hero}. | Once upon a time, in {a} {~adj} {place}, there lived {a} {hkind} named {hero}. | There was once {a} {trait} {hkind} called {hero}. | One {~daytime}, {a} {~hadj} {hkind} named {hero} woke up early.`,
		`{He} lived with {his} {parent} in {a} {~adj} {home} near the {~nature}. | {Hero} lived in {a} {~color} {home} with {his} {parent}. | {Hero} and {his} {parent} lived in {a} {~adj} {home} by the {place}.`,
		`?70 {Hero} was {a} {trait} {hkind} who loved to {act}. | {Hero} loved to {act} more than anything. | Every day, {hero} liked to {act} with {his} {parent}.`,
		`?80 {Hero} had {a} {ocolor} {obj} that {he} loved very much. | {His} favorite thing in the whole world was {a} {oadj} {ocolor} {obj}. | {Hero} took {his} {ocolor} {obj} everywhere {he} went.`,
		`FILL 2`,
	),
}

var endings = []([]step){
	mustPlot(
		`?60 From that day on, {hero} and {friend} were best friends. | After that, {hero} and {friend} played together every day. | {Hero} and {friend} {~move.past} home {~adv}, {~happy} and tired.`,
		`?70 {Hero} learned that {moral}. | That day, {hero} learned that {moral}. | {Hero} knew now that {moral}.`,
		`?50 And {hero} kept {his} {ocolor} {obj} safe forever. | That night, {hero} slept with {his} {obj} next to {him} and dreamed of the {place}. | The end.`,
	),
}

// fillers are descriptive sentences that use fresh words from every
// category; they give the corpus its vocabulary.
var fillers = mustTemplates(
	`The {~weather} sky was full of {~adj} {~nature.pl}.`,
	`{A} {~adj} {~animal} {~move.past} {~adv} past the {~nature}.`,
	`There were {~number} {~animal.pl} near the {~furniture}.`,
	`The air smelled like {~food.pl} and {~sweet}.`,
	`{A} {~color} {~animal} sat on {a} {~adj} {~nature}.`,
	`Far away, someone heard {a} {~adj} {~noise}.`,
	`{Hero} saw {a} {~job} with {a} {~color} {~vehicle}.`,
	`Some {~animal.pl} were {~move.ing} {~adv} in the {~nature.pl}.`,
	`The {~nature.pl} were {~adj} and {~adj}.`,
	`{Hero} wore {his} {~clothes} because it was {~weather}.`,
	`{A} {~adj} {~animal} was {~feel.ing} at a {~shape} made of {~nature.pl}.`,
	`It was {a} {~weather} {~daytime}, and the {~nature.pl} looked {~adj}.`,
	`On the {~furniture}, there was {a} {~adj} {~toy} and {a} {~color} {~food}.`,
	`{Hero} {~feel.past} and touched {his} {~body} with {his} {~body}.`,
	`The {~vehicle} went {~adv} down the road with {a} {~noise}.`,
	`{A} {~job} played {a} {~instr} by the {~nature}.`,
	`{Hero} counted {~number} {~toy.pl} and {~number} {~food.pl}.`,
	`{~Adj} {~animal.pl} like to {~move} when it is {~weather}.`,
	`{Hero} could see {~adj} {~nature.pl} from {his} {~furniture}.`,
	`A {~job} said hello and gave {hero} {a} {~food}.`,
)

var plots = []([]step){
	// The lost object.
	mustPlot(
		`One day, {hero} went to the {place} to {act} with {his} {ocolor} {obj}. | One {~weather} {~daytime}, {hero} took {his} {obj} to the {place}.`,
		`FILL 2`,
		`{Hero} put the {obj} down {~adv} and {~move.past} off to look at {a} {~adj} {~animal}. | {Hero} saw {a} {~adj} {~animal} and forgot about the {obj} for a while.`,
		`When {he} came back, the {ocolor} {obj} was gone! | But when {he} looked again, {his} {obj} was not there!`,
		`{Hero} felt very {~sad}. | {Hero} was {~sad} and began to cry.`,
		`{He} {~look.past} {~adv} and {~look.past} everywhere, but {he} could not find it. | {He} {~look.past} under the {~furniture} and behind the {~nature}, but the {obj} was not there.`,
		`PARA`,
		`Then {hero} met {a} {ftrait} {fkind} named {friend}. | Just then, {a} {fkind} named {friend} came by.`,
		`"Why are you {~sad}, {hero}?" asked {friend}. | "What is wrong, {hero}?" {friend} {~say}.`,
		`"I lost my {ocolor} {obj}," said {hero}. "I cannot find it anywhere." | "My {obj} is gone," {hero} {~say}. "It is {ocolor} and {oadj}."`,
		`"Do not worry," said {friend}. "I will help you {~look}." | "I can help!" {friend} {~say}. "Let us {~look} together."`,
		`{Friend} and {hero} {~look.past} near the {~nature} and by the {~furniture}. | They {~look.past} high and low all over the {place}.`,
		`FILL 1`,
		`At last, {friend} found the {obj} {spot}. | Finally, {hero} saw something {ocolor} {spot}. It was the {obj}!`,
		`"Here is your {obj}!" {friend} {~say}. | "I found it!" {~say} {friend}, holding the {ocolor} {obj}.`,
		`{Hero} was so {~happy}. "Thank you, {friend}!" {he} {~say}. | {Hero} hugged {friend}. "You are a good friend," {he} {~say}.`,
	),
	// Baking and sharing.
	mustPlot(
		`One {~daytime}, {hero} wanted to make {a} {food} with {his} {parent}. | {Hero} was hungry, so {he} asked {his} {parent} to make {a} {food}.`,
		`"Can we use {~sweet} and {~sweet}?" asked {hero}. | "Let us make it {~adj} and {~adj}!" {hero} {~say}.`,
		`{His} {parent} smiled and said, "Yes, but we must be careful." | "Of course," said {his} {parent}. "Get the big bowl."`,
		`FILL 2`,
		`They mixed the {~sweet} and the {~food.pl} in the bowl. | {Hero} helped {his} {parent} stir and stir.`,
		`Soon the {food} was ready, and it smelled so good. | After a while, the whole {home} smelled like {food}.`,
		`PARA`,
		`Then there was a knock at the door. It was {friend} the {fkind}. | Just then, {hero} heard {a} {~noise} outside. It was {a} {fkind} named {friend}.`,
		`{Friend} looked at the {food} and {fhis} tummy made a loud sound. | "That {food} looks {~adj}," {friend} {~say} {~adv}.`,
		`{Hero} wanted to eat all the {food}. | At first, {hero} did not want to share {his} {food}.`,
		`But then {he} saw how hungry {friend} was. | But {his} {parent} looked at {him} {~adv}.`,
		`"Would you like some {food}, {friend}?" asked {hero}. | "Let us share," {hero} {~say}, and {he} gave {friend} a big piece.`,
		`{Friend} {~feel.past} and said, "Thank you, {hero}! You are very kind." | "This is the best {food} ever!" {friend} {~say}.`,
		`FILL 1`,
		`They sat on the {~furniture} and ate the {food} together. | The two friends ate {food} until they were full.`,
	),
	// The storm.
	mustPlot(
		`One day, {hero} and {his} friend {friend} went to the {place} to {fact}. | {Hero} and {a} {fkind} named {friend} went on a walk to the {place}.`,
		`{Hero} brought {his} {ocolor} {obj}, and {friend} brought {a} {~food}. | {Friend} the {fkind} was {ftrait}, and {hero} was {trait}.`,
		`FILL 2`,
		`Suddenly, the sky turned dark and the wind began to blow. | Then big gray clouds came, and there was a loud clap of thunder.`,
		`"A storm is coming!" {~say} {friend}. | "I am scared," {hero} {~say} {~adv}.`,
		`The rain fell {~adv} on the {~nature.pl}. | Rain splashed on the {~nature.pl} and the path turned to mud.`,
		`PARA`,
		`They needed a place to hide. | They {~move.past} as fast as they could.`,
		`Then {hero} saw {a} {~adj} {helper} under a big tree. | {A} {~adj} {helper} called to them from a dry cave.`,
		`"Come in here, where it is dry!" said the {helper}. | "Follow me," said the {helper}. "I know a safe place."`,
		`{Hero} and {friend} sat with the {helper} and waited for the rain to stop. | They stayed warm and dry with the {helper} until the storm was over.`,
		`FILL 1`,
		`When the sun came out, there was a big rainbow over the {place}. | Soon the storm passed, and the {place} was bright again.`,
		`{Hero} still had {his} {ocolor} {obj}, safe and dry. | {Hero} held {his} {obj} and smiled.`,
		`"Thank you, {helper}!" said {hero} and {friend}. | They said goodbye to the kind {helper} and went home.`,
	),
	// Learning a skill.
	mustPlot(
		`{Hero} wanted to learn to {skill}. | More than anything, {hero} wished {he} could {skill}.`,
		`{He} asked {his} {parent}, "Can you teach me to {skill}?" | "I want to {skill} like the big kids," {hero} said to {his} {parent}.`,
		`"Yes," said {his} {parent}. "But you must try again and again." | {His} {parent} {~feel.past} and said, "Let us start today."`,
		`FILL 1`,
		`The first time, {hero} fell down and hurt {his} {~body}. | At first, it was very hard, and {hero} felt {~sad}.`,
		`"I cannot do it," {hero} {~say}. | {Hero} wanted to give up and go back to the {home}.`,
		`PARA`,
		`Then {hero} saw {friend} the {fkind} at the {place}. | Just then, {a} {ftrait} {fkind} named {friend} came to watch.`,
		`"I could not {skill} at first either," said {friend}. "Keep trying!" | "You are doing well," {friend} {~say}. "Do not stop now."`,
		`So {hero} tried again, and again, and again. | {Hero} took a deep breath and tried one more time.`,
		`FILL 1`,
		`This time, {hero} did it! {He} could {skill}! | At last, {hero} could {skill} all by {self}.`,
		`{His} {parent} clapped, and {friend} cheered. | "You did it, {hero}!" {~say} {friend}.`,
		`{Hero} felt {~happy} and proud. | {Hero} was so {~happy} that {he} {~move.past} around the {place}.`,
	),
	// The race.
	mustPlot(
		`One {~daytime}, all the animals at the {place} had a big race. | The animals of the {place} wanted to have a race to the big {~nature}.`,
		`{Hero} the {hkind} wanted to win. | {Hero} was fast, and {he} was sure {he} would win.`,
		`{Friend} the {fkind} wanted to run too, but {fhe} was slow. | A little {fkind} named {friend} was in the race too.`,
		`FILL 1`,
		`"Ready, set, go!" called {a} {~adj} {helper}. | The {helper} blew a whistle, and the race began.`,
		`{Hero} {~move.past} very fast and was soon at the front. | {Hero} ran and ran past the {~nature.pl}.`,
		`PARA`,
		`Then {hero} heard a cry behind {him}. {Friend} had fallen down! | But then {friend} fell over a {~nature} and hurt {fhis} {~body}.`,
		`{Hero} stopped. {He} could win the race, or {he} could help {friend}. | {Hero} looked at the finish line, and then back at {friend}.`,
		`{Hero} ran back and helped {friend} stand up. | {Hero} went back to {friend} and said, "Are you okay?"`,
		`"Thank you," said {friend} {~adv}. "You are a true friend." | {Friend} {~feel.past} and held on to {hero}.`,
		`They crossed the finish line together, last of all. | {Hero} and {friend} walked to the end of the race side by side.`,
		`But all the animals cheered for them the loudest. | The {helper} gave them a {ocolor} {obj} as a prize for being kind.`,
	),
	// The broken thing.
	mustPlot(
		`One day, {hero} was playing with {his} {parent}'s {~adj} {~toy} in the {~furniture}. | {Hero} found {his} {parent}'s old {~toy} on a high shelf.`,
		`{His} {parent} had said, "Please do not play with that." | {Hero} knew {he} should not touch it, but {he} was curious.`,
		`Oops! It fell on the floor and broke into {~number} pieces. | Then, with a loud {~noise}, it dropped and broke.`,
		`{Hero} felt {~sad} and hid the pieces under the {~furniture}. | {Hero} was scared and did not know what to do.`,
		`PARA`,
		`{Hero} went outside and met {friend} the {fkind}. | {Hero} told {his} friend {friend} what happened.`,
		`"You should tell the truth," said {friend}. | "Your {parent} will not be mad if you say sorry," {friend} {~say}.`,
		`FILL 1`,
		`So {hero} went to {his} {parent} and said, "I am sorry. I broke it." | {Hero} took a deep breath and told {his} {parent} everything.`,
		`{His} {parent} gave {him} a big hug. "Thank you for telling me," said {his} {parent}. | {His} {parent} smiled. "We can fix it together," said {his} {parent}.`,
		`They fixed it with glue and tape at the kitchen table. | Together they put all the pieces back.`,
		`Then {hero} gave {his} {parent} {his} {ocolor} {obj} as a present. | After that, {hero} always asked before touching things.`,
	),
	// The secret box.
	mustPlot(
		`One {~daytime}, {hero} and {friend} went to explore the {place}. | {Hero} and {a} {fkind} named {friend} loved to explore the {place}.`,
		`FILL 1`,
		`Under {a} {~adj} {~nature}, they found {a} {~color} box. | {Friend} saw something shiny {spot}. It was {a} {~adj} box!`,
		`"What is inside?" asked {hero}. | "Let us open it," {friend} {~say} {~adv}.`,
		`The box was stuck. They pulled and pushed, but it would not open. | The lid was very hard to open.`,
		`{Hero} used {his} {ocolor} {obj} to help, and the box opened with a {~noise}. | {Friend} found a little key, and the box opened.`,
		`Inside, there was {inside}. | In the box, they found {inside}.`,
		`PARA`,
		`"Who does this belong to?" wondered {hero}. | "We should find the owner," {friend} {~say}.`,
		`They asked {a} {~adj} {helper}, and the {helper} said, "That belongs to the old {job} in the {home} by the {~nature}." | They walked to the {home} of an old {job}.`,
		`The {job} was so happy to see {inside} again. | The old {job} smiled. "I lost this a long time ago!"`,
		`"Thank you for bringing it back," said the {job}, and gave them some {food}. | As a thank you, the {job} gave {hero} and {friend} {a} {food} to share.`,
		`FILL 1`,
		`{Hero} and {friend} walked home, thinking about the box and {inside}. | All the way home, they talked about the {~adj} box.`,
	),
	// The new pet.
	mustPlot(
		`One {~daytime}, {hero} found a little {pet} {spot}. | On the way to the {place}, {hero} saw a tiny {pet} all alone.`,
		`The {pet} was cold and {~sad}. | The little {pet} looked hungry and scared.`,
		`{Hero} picked up the {pet} {~adv} and took it home. | {Hero} wrapped the {pet} in {his} {~clothes} and carried it home.`,
		`"Can we keep it?" {hero} asked {his} {parent}. | {Hero} showed the {pet} to {his} {parent}.`,
		`"We must take good care of it," said {his} {parent}. | {His} {parent} said, "A {pet} needs food, water and love."`,
		`PARA`,
		`{Hero} gave the {pet} some {~food} and a soft bed in a box. | Every day, {hero} fed the {pet} and played with it.`,
		`{Hero} named the {pet} {friend}. | {Hero} called the little {pet} {friend}.`,
		`FILL 2`,
		`{Friend} the {pet} grew big and strong. | Soon {friend} could {~move} and play all day.`,
		`One day, {friend} found {hero}'s lost {ocolor} {obj} {spot}. | {Friend} followed {hero} everywhere, even to the {place}.`,
		`{Hero} hugged {friend}. "You are the best {pet} in the world," {he} {~say}. | {Hero} and {friend} were never lonely again.`,
	),
}
