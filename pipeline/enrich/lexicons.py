"""Enrich: the word lists behind the sentiment rules, written by hand and documented in docs/sentiment.md.

Nothing here is learned from the evaluation data. Entries ending in ``*`` match any word that starts with
them (Spanish and Polish inflect heavily: ``opóźni*`` covers opóźniony, opóźnienie, opóźnił ...); other
entries match whole words. Weights are on VADER's -4..4 scale so that all languages add up the same way.
"""

from __future__ import annotations

# --- Social-care complaint cues (all languages) ---------------------------------------------------------
# A customer complaint often has no emotional word at all ("flight delayed 3 hours and still no bag"):
# it names a failure of service. Each pattern is a regular expression over the lower-cased text; each
# match adds its weight. Written for customer care in general (orders, deliveries, accounts, bills,
# travel, apps), not for one industry.
CARE_CUES: dict[str, list[tuple[str, float]]] = {
    "en": [
        (r"\b(delay(ed|s)?|cancell?(ed|ation|ations)|late|lost|missing|stuck|stranded|overbooked|oversold)\b", -1.6),
        (
            r"\b(broken|damaged|defective|faulty|wrong (item|order|size|address|charge)|overcharged|double charged|charged (me )?twice)\b",
            -1.8,
        ),
        (
            r"\b(not|n't|never|still not) (work(ing)?|load(ing)?|arrived?|received|delivered|refunded|fixed|resolved|responding|helpful|answered)\b",
            -1.8,
        ),
        (
            r"\b(does|do|did|is|was|will|can|could|would|have|has)(n't| not) (work|load|arrive|help|answer|respond|reply|care|get back)\b",
            -1.8,
        ),
        (r"\bstill (waiting|no|not|nothing|haven't|hasn't|don't|doesn't|can't|on hold|stuck)\b", -2.0),
        (
            r"\b(no|zero|without) (response|reply|answer|one|help|update|updates|refund|info|information|explanation|notice|email|call ?back|service|compensation)\b",
            -1.8,
        ),
        (r"\b(nobody|no one|noone)\b", -1.5),
        (
            r"\b(on hold|hold (time|for)|wait(ed|ing)? (for|on)|been waiting|waiting (for|on|since)|hung up|disconnected|transferred)\b",
            -1.5,
        ),
        (
            r"\b(\d+|an?|one|two|three|four|five|six|several|many|multiple|couple( of)?) \+?(hours?|hrs?|days?|weeks?|months?)\b",
            -1.0,
        ),
        (r"\b(refund|complain(t|ts|ed|ing)?|claim|compensation|escalate|chargeback)\b", -1.2),
        (
            r"\b(outage|down again|error|crash(ed|es|ing)?|bug|glitch|fail(ed|s|ure)?|issue|issues|problem|problems)\b",
            -1.0,
        ),
        (
            r"\b(unacceptable|ridiculous|disgrace(ful)?|incompetent|useless|pathetic|joke|nightmare|worst|never again)\b",
            -1.5,
        ),
        (
            r"\b(can't|cannot|can not|couldn't|won't|wouldn't|doesn't|didn't|isn't|not|unable to) (let|allow|letting|get|find|locate|book|change|use|access|log ?in|sign ?in|reach|hear|connect|pay|check ?in)\b",
            -1.4,
        ),
        (
            r"\b(hang(s|ing)? up|hung up on|no way to|lack of|mistake|misleading|inaccurate|untruthful|false|lied|lies)\b",
            -1.2,
        ),
        (
            r"\b(fix (this|it|that)|asap|owe me|want my money|money back|expect(ing)? (a|my) (credit|refund|voucher))\b",
            -1.2,
        ),
        (r"\b(why|how come)\b", -1.0),
        (
            r"\b(not|isn't|wasn't|aren't) (ok|okay|acceptable|fair|right|clear|done|honou?r(ing|ed)?|good enough)\b",
            -1.5,
        ),
        (
            r"\b(refus(e|es|ed|ing)|won't (give|let|allow|refund|change)|(been|keep|kept) trying|trying to (get through|reach|call|contact))\b",
            -1.4,
        ),
        (
            r"\b(where('s| is| are) my|find my|lost my|(my|our) (bag|bags|luggage|suitcase|order|package|parcel|delivery|refund) (is|are|was|has|hasn't|never|still))\b",
            -1.2,
        ),
        (r"\b(wtf|bs|smh|ugh|sheesh|lame|liars?|scam|rip ?off|fail|epicfail|sucks?)\b", -1.5),
        (r"\b(again|every time|once more|yet again)\b", -0.6),
        (r"\b(thanks for nothing|thanks a lot for nothing|great job not)\b", -3.0),
    ],
    "es": [
        (r"\b(retras\w*|demor\w*|cancel\w*|perdid[oa]s?|extraviad\w*|atrapad\w*|tarde)\b", -1.6),
        (
            r"\b(no|nunca|sigue sin|aún no|todavía no) (funciona\w*|llega\w*|lleg[óo]|recib\w*|responde\w*|contesta\w*|sirve|arregla\w*|resuelve\w*|devuelve\w*)\b",
            -1.8,
        ),
        (
            r"\b(sin|ninguna?) (respuesta|servicio|solución|solucion|reembolso|información|informacion|ayuda|señal|senal|luz|internet)\b",
            -1.8,
        ),
        (r"\b(sigo|seguimos|llevo|llevamos) (esperando|sin)\b", -2.0),
        (r"\b(nadie)\b", -1.2),
        (r"\b(\d+|una?|dos|tres|cuatro|cinco|varias|varios|muchas|muchos) (horas?|días|dias|semanas?|meses)\b", -1.0),
        (r"\b(reclam\w*|queja\w*|reembolso|devolución|devolucion|denuncia\w*)\b", -1.2),
        (
            r"\b(error|fall[oa]s?|averi\w*|caíd[oa]|caid[oa]|roto|rota|problema\w*|estafa\w*|cobr\w* (de más|dos veces))\b",
            -1.2,
        ),
        (r"\b(otra vez|de nuevo|siempre lo mismo)\b", -0.6),
    ],
    "pl": [
        (r"\b(opóźni\w*|opozni\w*|spóźni\w*|odwoła\w*|odwola\w*|zgubi\w*|zaginię\w*|utknę\w*)\b", -1.6),
        (
            r"\b(nie|nadal nie|dalej nie|wciąż nie) (działa\w*|dziala\w*|dotar\w*|doszł\w*|odpowiada\w*|odpisa\w*|odbiera\w*|naprawi\w*|zwróci\w*|otrzyma\w*|dostał\w*)\b",
            -1.8,
        ),
        (r"\b(brak|bez) (odpowiedzi|kontaktu|informacji|zwrotu|prądu|pradu|internetu|zasięgu|pomocy|reakcji)\b", -1.8),
        (r"\b(nadal|wciąż|wciaz|dalej) (czekam|czekamy|nie|nic|brak)\b", -2.0),
        (r"\b(czekam|czekamy|czekał\w*)\b", -1.0),
        (r"\b(nikt)\b", -1.2),
        (r"\b(\d+|dwie|dwa|trzy|cztery|pięć|kilka|kilkanaście) (godzin\w*|dni|tygodni\w*|miesięcy)\b", -1.0),
        (r"\b(reklamacj\w*|skarg\w*|zwrot\w*|oszust\w*|oszuka\w*)\b", -1.2),
        (r"\b(błąd|błędy|bląd|awari\w*|usterk\w*|problem\w*|zepsu\w*|uszkodz\w*)\b", -1.2),
        (r"\b(znowu|znów|znow|po raz kolejny|jak zwykle)\b", -0.6),
    ],
}

# --- Word lexicons for the rule layer (Spanish, Polish) ---------------------------------------------
# VADER scores English; TextBlob scores English only. For Spanish and Polish the scorer sums these
# weights (VADER's scale), flips a word after a negator, and normalises like VADER.
_ES_POSITIVE = """
gracias:2 agradec*:2 genial:2.5 excelente:3 estupend*:2.5 maravill*:3 increíble:2.5 increible:2.5 buen:1.5
buena:1.5 buenas:1.5 buenos:1.5 bueno:1.5 bien:1.2 mejor:1.5 mejores:1.5 perfect*:2.5 encant*:2.5
amo:2.5 amor:2.2 quiero:1 feliz:2.5 felices:2.5 felicidad*:2.5 felicit*:2.5 alegr*:2 bonit*:2 lind*:2
hermos*:2.5 precios*:2.5 guap*:2 divertid*:2 disfrut*:2 ganas:1 gust*:1.5 fantástic*:3 fantastic*:3
rápid*:1 rapid*:1 amable*:2 atent*:1.5 recomiend*:2 recomend*:2 orgullo*:2 éxito:2.5 exito:2.5 ánimo:1.5
animo:1.5 bravo:2.5 felizmente:2 suerte:1.5 ja:1 jaja*:1.5 jeje*:1.5 xd:1 tranquil*:1 sonrisa*:2
besos:2 beso:2 abrazo*:2 cariño:2 fuerza:1 mola:2 guay:2 chido:2 chévere:2 chevere:2 bacán:2 bacan:2
resuelt*:1.5 solucionad*:1.5 felicitaciones:2.5 mejora*:1 top:1.5 crack:2 ídolo:2 idolo:2 favorit*:2
"""
_ES_NEGATIVE = """
mal:-2 mala:-2 malo:-2 malas:-2 malos:-2 peor:-2.5 peores:-2.5 pésim*:-3 pesim*:-3 horribl*:-3
terribl*:-3 fatal:-2.5 asco:-3 asquer*:-3 odio:-3 odi*:-2.5 triste*:-2 tristeza:-2 llor*:-1.5 dolor*:-2
duele:-2 miedo:-2 enfad*:-2 enoj*:-2 cabrea*:-2.5 molest*:-1.5 harto:-2.5 harta:-2.5 hartos:-2.5
cansad*:-1.5 vergüenza:-2.5 verguenza:-2.5 vergonzos*:-2.5 indignante:-3 indign*:-2.5 lament*:-1.5
desastre*:-3 basura:-3 mierda:-3 puta:-2.5 puto:-2.5 joder:-2 jodid*:-2 maldit*:-2.5 estúpid*:-2.5
estupid*:-2.5 idiota*:-2.5 imbécil*:-2.5 inútil*:-2.5 inutil*:-2.5 ridícul*:-2 ridicul*:-2 vergonz*:-2
decepci*:-2.5 lástima:-1.5 lastima:-1.5 pena:-1.5 penoso:-2 preocup*:-1.5 sufr*:-2 muert*:-2 mata*:-2
problema*:-1.5 culpa:-1.5 grave*:-2 peligr*:-2 robo:-2.5 roba*:-2.5 mentir*:-2.5 mentira*:-2.5 miente*:-2.5
engaño*:-2.5 fracas*:-2.5 abandon*:-1.5 soledad:-2 aburri*:-2 lenta*:-1 lento:-1
tarde:-0.8 nunca:-1 nadie:-1 imposible:-1.5 difícil:-1 dificil:-1 falta:-1 extraño:-1
horror:-3 caca:-2 estafa*:-3 desgracia*:-2.5 ojalá:0.5 ay:-0.5 uff:-1 uf:-1 buf:-1 sad:-2 wtf:-2
"""
_PL_POSITIVE = """
dziękuj*:2 dzięki:2 dzieki:2 dziekuj*:2 super:2.5 świetn*:2.5 swietn*:2.5 wspaniał*:3 wspanial*:3
doskonał*:3 doskonal*:3 rewelac*:3 fantastycz*:3 genialn*:3 piękn*:2.5 piekn*:2.5 ładn*:2 ladn*:2
dobr*:1.5 dobrze:1.5 lepiej:1.5 lepsz*:1.5 najlepsz*:2.5 kocham:3 kocha*:2.5 uwielbia*:2.5 lubię:1.5
lubie:1.5 cieszę:2 ciesze:2 cieszy*:2 radość:2.5 radosc:2.5 radosn*:2.5 szczęśliw*:2.5 szczesliw*:2.5
szczęści*:2 gratul*:2.5 brawo:2.5 bravo:2.5 polecam:2.5 poleca*:2 udan*:2 sukces*:2.5 zadowol*:2
miło:2 milo:2 mił*:1.5 uprzejm*:2 pomocn*:2 szybk*:1 sprawn*:1.5 wygra*:2 uśmiech*:2 usmiech*:2 hura:2.5
wow:2 ekstra:2 fajn*:2 spoko:1.5 ok:0.5 okej:0.5 haha*:1.5 hehe*:1.5 xd:1 mistrz*:2 bohater*:2
podziw*:2.5 wzrusz*:1.5 ciekaw*:1 warto:1.5 zachwyc*:2.5 nadziej*:1 pozdrawiam:1 pozdrowienia:1 wsparci*:1.5
"""
_PL_NEGATIVE = """
źle:-2 zle:-2 zły:-2 zła:-2 złe:-2 złego:-2 złych:-2 zly:-2 gorzej:-2.5 gorsz*:-2.5 najgorsz*:-3 fataln*:-3 okropn*:-3 straszn*:-2.5
tragedi*:-3 tragiczn*:-3 beznadziej*:-3 koszmar*:-3 żenada:-3 zenada:-3 żenując*:-3 zenujac*:-3
wstyd*:-2.5 skandal*:-3 hańb*:-3 hanb*:-3 nienawidz*:-3 nienawiś*:-3 nienawis*:-3 wkurz*:-2.5 wkurw*:-3
zdenerw*:-2 denerw*:-2 złość:-2.5 zlosc:-2.5 wściek*:-3 wsciek*:-3 smutn*:-2 smutek:-2 przykr*:-2
żal:-2 zal:-1.5 płacz*:-2 placz*:-2 boję:-2 boje:-2 boi:-2 strach*:-2 przeraż*:-2.5 przeraz*:-2.5
obaw*:-1.5 martwi*:-1.5 niestety:-1.5 problem*:-1.5 kłopot*:-1.5 klopot*:-1.5 porażk*:-2.5 porazk*:-2.5
głup*:-2.5 glup*:-2.5 idiot*:-3 debil*:-3 kretyn*:-3 durn*:-2.5 bezczel*:-2.5 kłam*:-2.5 klam*:-2.5
oszust*:-3 złodziej*:-3 zlodziej*:-3 kradn*:-2.5 kradzie*:-2.5 zniszcz*:-2 śmierć:-2.5 smierc:-2.5
zabi*:-2.5 zgin*:-2.5 zmar*:-2 umar*:-2 chor*:-1.5 ból:-2 bol:-1.5 cierpi*:-2 kurwa:-3 kurde:-2
cholera:-2 szlag:-2 gówn*:-3 gown*:-3 syf:-2.5 dramat*:-2 absurd*:-2 bzdur*:-2 niszcz*:-2 ofiar*:-2
niebezpie*:-2 kryzys*:-2 zagroż*:-2 zagroz*:-2 nudn*:-1.5 nuda:-1.5 zmęcz*:-1.5 zmecz*:-1.5 brak:-1
nigdy:-1 nikt:-1 niestet*:-1.5 szkoda:-1.5 masakr*:-2.5 porąb*:-2.5 hejt*:-2 atak*:-1.5
"""


def _parse(block: str) -> dict[str, float]:
    entries = {}
    for item in block.split():
        word, weight = item.rsplit(":", 1)
        entries[word] = float(weight)
    return entries


WORDS: dict[str, dict[str, float]] = {
    "es": {**_parse(_ES_POSITIVE), **_parse(_ES_NEGATIVE)},
    "pl": {**_parse(_PL_POSITIVE), **_parse(_PL_NEGATIVE)},
}

# A negator flips the weight of the next three words ("no me gusta", "nie polecam").
NEGATORS: dict[str, frozenset[str]] = {
    "es": frozenset("no nunca ni sin jamás jamas tampoco nada".split()),
    "pl": frozenset("nie ani bez nigdy żaden zaden żadna zadna".split()),
}

# Emoji carry much of the tone of a post in every language; VADER reads them for English.
EMOJI: dict[str, float] = {
    **{e: 2.0 for e in "😀😃😄😁😊🙂😍🥰😘❤💕💖💗💙💚💛💜🧡👍👏🙌🎉🥳✨💪🤩😎🌟⭐🙏😻💯🔥"},
    **{e: -2.0 for e in "😠😡🤬😤😞😔😟😢😭😩😫😒🙄👎💩😱😨😰🤮🤢💔😣😖☹🙁😕"},
}
