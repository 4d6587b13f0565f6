"""Function-word lists written for leakdesk (Russian and English), plus tiny cue lists for telling languages apart.

Function words carry style and little topic: pronouns, prepositions, conjunctions, particles, auxiliaries. They are
kept verbatim when text is content-masked; everything else becomes a part-of-speech letter. For languages without a
list here, the verifier learns the most frequent words of its training and reference texts instead.
"""

from __future__ import annotations

RU = frozenset(
    """
а без более бы был была были было быть в вам вами вас ваш ваша ваше ваши вдруг ведь весь во вот впрочем все всё
всегда всего всех всю вся вы где да даже для до его ее её ей ему если есть еще ещё же за зачем здесь и из или им
ими их к как какая какой когда кого ко кое-что который которая которое которые которых кроме кто куда ли либо лишь
меня мне мной мною мог могу может можно мой моя мое моё мои мы на над надо наш наша наше наши не
него нее неё ней нельзя нет ни
нибудь никогда ним ними них ничего но ну о об однако он она они оно от очень перед по под после потом потому почему
при про раз разве с сам сама сами само себе себя сейчас со совсем так также такой там тебе тебя тем теперь то тогда
того тоже той только том ты тут у уж уже хоть хотя чего чей чем через что чтоб чтобы чуть эта эти этим этих это этого
этой этом этот эту я ведь вообще именно итак конечно наверное например поэтому причем притом пусть будто словно
ибо пока между около среди вместо ради вроде насчет насчёт сквозь возле мимо согласно благодаря вследствие
так-как как-то что-то кто-то где-то когда-то есть будет будут буду будем будете будешь был бы являться является
также либо нибудь ли столько сколько столь такая такое такие весьма всего лишь уже почти именно
""".split()
)

EN = frozenset(
    """
a about above after again against all am an and any are aren't as at be because been before being below between both
but by can can't cannot could couldn't did didn't do does doesn't doing don't down during each few for from further
had hadn't has hasn't have haven't having he he'd he'll he's her here here's hers herself him himself his how how's i
i'd i'll i'm i've if in into is isn't it it's its itself let's me more most mustn't my myself no nor not of off on
once only or other ought our ours ourselves out over own same shan't she she'd she'll she's should shouldn't so some
such than that that's the their theirs them themselves then there there's these they they'd they'll they're they've
this those through to too under until up very was wasn't we we'd we'll we're we've were weren't what what's when
when's where where's which while who who's whom why why's with won't would wouldn't you you'd you'll you're you've
your yours yourself yourselves will shall may might must upon yet also just still even ever never however though
although whether either neither rather quite perhaps indeed thus hence therefore else anyway since unless whereas
whose within without among across along around behind beyond toward towards per via like one ones much many
well really now here there then already almost enough
""".split()
)

BUILTIN = {"ru": RU, "en": EN}

# A handful of very frequent words per language, only to tell Latin-script languages apart.
LANGUAGE_CUES = {
    "en": frozenset("the and of to is that it was with for you this not have".split()),
    "nl": frozenset("de het een en van is dat niet op te zijn met voor ik".split()),
    "es": frozenset("el la de que y en los se del las por un una es con".split()),
    "de": frozenset("der die und das ist nicht ich zu den mit sie ein es auf".split()),
    "fr": frozenset("le la les et de des est un une que pas je il pour".split()),
    "it": frozenset("il di che la è e non per un una sono del della mi".split()),
}


def builtin(language: str) -> frozenset[str] | None:
    """The written list for a language, or None when leakdesk has none (the verifier then learns one)."""
    return BUILTIN.get(language)
