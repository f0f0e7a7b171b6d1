"""The words ``understand`` knows, per language (English, Portuguese of Portugal and of
Brazil, Spanish, French, German): small tables, not a date library.

Why tables and not dateparser: measured (docs/understand.md) dateparser costs ~0.1 s to
import and 20-190 ms for the first phrase of each language (its locale data loads then),
0.4-2 ms a phrase after that, gives a point ("May 2022" -> 2022-05-15) where a filter
needs a range, misses "há duas semanas", and its ``search_dates`` finds dates in
"may the force be with you". The phrases people type to filter are few; these tables
cover them in microseconds and say exactly what each one means.

All words are lowercase; a pattern is a regular expression fragment matched on the
lowercased query.
"""
from __future__ import annotations

from desktop_search.core.extract.mail import MAIL_KIND

LANGS = ("en", "pt", "es", "fr", "de")

MONTHS: dict[str, tuple[str, ...]] = {
    "en": ("january", "february", "march", "april", "may", "june", "july", "august",
           "september", "october", "november", "december"),
    "pt": ("janeiro", "fevereiro", "março", "abril", "maio", "junho", "julho", "agosto",
           "setembro", "outubro", "novembro", "dezembro"),
    "es": ("enero", "febrero", "marzo", "abril", "mayo", "junio", "julio", "agosto",
           "septiembre|setiembre", "octubre", "noviembre", "diciembre"),
    "fr": ("janvier", "février|fevrier", "mars", "avril", "mai", "juin", "juillet",
           "août|aout", "septembre", "octobre", "novembre", "décembre|decembre"),
    "de": ("januar|jänner", "februar", "märz|maerz", "april", "mai", "juni", "juli",
           "august", "september", "oktober", "november", "dezember"),
}

NUMBERS: dict[str, dict[str, int]] = {
    "en": {"a": 1, "an": 1, "one": 1, "two": 2, "three": 3, "four": 4, "five": 5, "six": 6,
           "seven": 7, "eight": 8, "nine": 9, "ten": 10, "eleven": 11, "twelve": 12},
    "pt": {"um": 1, "uma": 1, "dois": 2, "duas": 2, "três": 3, "tres": 3, "quatro": 4,
           "cinco": 5, "seis": 6, "sete": 7, "oito": 8, "nove": 9, "dez": 10},
    "es": {"un": 1, "una": 1, "dos": 2, "tres": 3, "cuatro": 4, "cinco": 5, "seis": 6,
           "siete": 7, "ocho": 8, "nueve": 9, "diez": 10},
    "fr": {"un": 1, "une": 1, "deux": 2, "trois": 3, "quatre": 4, "cinq": 5, "six": 6,
           "sept": 7, "huit": 8, "neuf": 9, "dix": 10},
    "de": {"ein": 1, "einem": 1, "einer": 1, "zwei": 2, "drei": 3, "vier": 4, "fünf": 5,
           "sechs": 6, "sieben": 7, "acht": 8, "neun": 9, "zehn": 10},
}

#: unit words -> "day" | "week" | "month" | "year"
UNITS: dict[str, dict[str, str]] = {
    "en": {"day": "day", "days": "day", "week": "week", "weeks": "week", "month": "month",
           "months": "month", "year": "year", "years": "year"},
    "pt": {"dia": "day", "dias": "day", "semana": "week", "semanas": "week", "mês": "month",
           "mes": "month", "meses": "month", "ano": "year", "anos": "year"},
    "es": {"día": "day", "dia": "day", "días": "day", "dias": "day", "semana": "week",
           "semanas": "week", "mes": "month", "meses": "month", "año": "year", "años": "year"},
    "fr": {"jour": "day", "jours": "day", "semaine": "week", "semaines": "week",
           "mois": "month", "an": "year", "ans": "year", "année": "year", "années": "year"},
    "de": {"tag": "day", "tagen": "day", "tage": "day", "woche": "week", "wochen": "week",
           "monat": "month", "monaten": "month", "monate": "month", "jahr": "year",
           "jahren": "year", "jahre": "year", "jahres": "year"},
}

#: season words -> 0 spring, 1 summer, 2 autumn, 3 winter (meteorological, northern)
SEASONS: dict[str, dict[str, int]] = {
    "en": {"spring": 0, "summer": 1, "autumn": 2, "fall": 2, "winter": 3},
    "pt": {"primavera": 0, "verão": 1, "verao": 1, "outono": 2, "inverno": 3},
    "es": {"primavera": 0, "verano": 1, "otoño": 2, "invierno": 3},
    "fr": {"printemps": 0, "été": 1, "automne": 2, "hiver": 3},
    "de": {"frühling": 0, "frühjahr": 0, "sommer": 1, "herbst": 2, "winter": 3},
}

#: a date phrase's preposition -> how it bounds the range: in (the range), since (from
#: its start), after (from its end), before (up to its start), until (up to its end).
#: "weak" ones ("de 2021", "of 2021") count only right after a kind ("pdfs de 2021").
PREPS: dict[str, dict[str, str]] = {
    "en": {"in": "in", "during": "in", "from": "in", "on": "in", "of": "weak",
           "in the": "in", "from the": "in", "since": "since", "after": "after",
           "before": "before", "until": "until", "till": "until", "up to": "until",
           "through": "until"},
    "pt": {"em": "in", "no": "in", "na": "in", "nos": "in", "nas": "in", "durante": "in",
           "de": "weak", "do": "weak", "da": "weak", "desde": "since", "a partir de": "since",
           "depois de": "after", "após": "after", "apos": "after", "antes de": "before",
           "até": "until", "ate": "until"},
    "es": {"en": "in", "durante": "in", "de": "weak", "del": "weak", "desde": "since",
           "a partir de": "since", "después de": "after", "despues de": "after",
           "antes de": "before", "hasta": "until"},
    "fr": {"en": "in", "pendant": "in", "dans": "in", "de": "weak", "du": "weak",
           "d'": "weak", "depuis": "since", "à partir de": "since", "après": "after",
           "apres": "after", "avant": "before", "jusqu'en": "until", "jusqu'à": "until",
           "jusqu'au": "until", "jusqu'a": "until"},
    "de": {"in": "in", "im": "in", "im jahr": "in", "im jahre": "in", "von": "in",
           "vom": "in", "aus": "in", "aus dem jahr": "in", "während": "in", "seit": "since",
           "ab": "since", "nach": "after", "vor": "before", "bis": "until", "bis zum": "until"},
}

#: relative phrases: regex -> (unit, how many back); ``day`` 0 is today
RELATIVE: dict[str, dict[str, tuple[str, int]]] = {
    "en": {r"(?:the )?day before yesterday": ("day", 2), r"yesterday": ("day", 1),
           r"today": ("day", 0), r"this (?P<u>week|month|year)": ("", 0),
           r"last (?P<u>week|month|year)": ("", 1)},
    "pt": {r"anteontem|antes de ontem": ("day", 2), r"ontem": ("day", 1), r"hoje": ("day", 0),
           r"(?:d|n)?est[ae] (?P<u>semana|mês|mes|ano)": ("", 0),
           r"(?:[ao] )?(?P<u>semana|mês|mes|ano) passad[ao]": ("", 1)},
    "es": {r"anteayer|antier|antes de ayer": ("day", 2), r"ayer": ("day", 1),
           r"hoy": ("day", 0), r"est[ea] (?P<u>semana|mes|año)": ("", 0),
           r"(?:el |la )?(?P<u>semana|mes|año) pasad[ao]": ("", 1)},
    "fr": {r"avant-hier|avant hier": ("day", 2), r"hier": ("day", 1),
           r"aujourd'hui": ("day", 0), r"(?:cette|ce|cet) (?P<u>semaine|mois|année)(?:-ci)?": ("", 0),
           r"(?:la |le |l')?(?P<u>semaine|mois|année|an) (?:dernière|dernier|passée|passé)": ("", 1)},
    "de": {r"vorgestern": ("day", 2), r"gestern": ("day", 1), r"heute": ("day", 0),
           r"(?:diese|diesen|dieses|diesem|dieser) (?P<u>woche|monat|jahr)": ("", 0),
           r"(?:letzte|letzten|letzter|letztes|vergangene|vergangenen|vergangener|"
           r"vergangenes) (?P<u>woche|monat|jahr|jahres)": ("", 1)},
}

#: "N units ago": (before the number, after the unit)
AGO: dict[str, tuple[str, str]] = {
    "en": ("", " ago"), "pt": ("(?:há|ha|faz) ", ""), "es": ("hace ", ""),
    "fr": ("il y a ", ""), "de": ("vor ", ""),
}

#: "last/this season": (words for last before, last after, this before)
SEASON_WORDS: dict[str, tuple[str, str, str]] = {
    "en": ("last ", "", "this "),
    "pt": ("", " passad[oa]", "(?:neste|nesta|este|esta) "),
    "es": ("", " pasad[oa]", "(?:este|esta) "),
    "fr": ("", " dernier", "(?:cet|ce|cette) "),
    "de": ("(?:letzten|letzter|letztes|vergangenen) ", "", "(?:diesen|diesem|dieser) "),
}
#: an article a season may carry: "o verão passado", "l'été dernier", "le printemps dernier"
SEASON_ARTICLE = {"en": "", "pt": "(?:[ao] )?", "es": "(?:el |la )?", "fr": "(?:l'|le )?",
                  "de": ""}

#: query kinds: pattern -> kinds; ``STRONG`` ones are file types by name ("tax return pdf")
KIND_WORDS: dict[str, tuple[str, ...]] = {
    r"pdfs?|pdf files|(?:ficheiros|arquivos|archivos|fichiers) pdf|pdf-dateien": ("pdf",),
    r"photos?|pictures?|images?|pics|fotos?|fotografias?|fotografías?|imagens|imagem|"
    r"imágenes|imagen|photographies|bilder": ("picture",),
    r"e-?mails?|mails|messages|mensagens|mensagem|mensajes|mensaje|correio|correos?|"
    r"courriels?|courrier|nachrichten|correio eletrónico|correio eletrônico|"
    r"correos electrónicos": (MAIL_KIND,),
    r"slides|slide decks|presentations?|apresentações|apresentação|diapositivos|"
    r"diapositivas|presentaciones|présentations|diapos|präsentationen|folien|pptx": ("pptx",),
    r"spreadsheets?|planilhas?|folhas? de cálculo|hojas? de cálculo|tableurs?|"
    r"feuilles de calcul|tabellen|csv": ("csv",),
    r"word documents|word docs|word files|docx|documentos (?:do |de )?word|documents word|"
    r"word-dokumente|word-dateien": ("docx",),
    r"source code|code|código(?: fonte| fuente)?|code source|quellcode": ("code",),
    r"notes|notas|notizen|markdown": ("markdown", "text"),
}
STRONG_KINDS = frozenset({"pdf", "pdfs", "docx", "pptx", "csv", "markdown"})

#: words before a kind that do not stop it being a filter ("show me all my pdfs")
LEAD = frozenset(
    "show me find list all my our the a an any get open search which what "
    "mostra mostrar mostre procura procurar encontra encontrar todos todas os as o a um uma "
    "meus minhas quais busca buscar encuentra encontrar mis los las el la un una cuáles "
    "montre montrer trouve trouver cherche chercher tous toutes mes les le la l' un une des "
    "quels quelles zeig zeige finde suche alle meine die der das den ein eine welche".split())
#: determiners a person or folder name loses ("from the insurer" -> insurer)
ARTICLES = frozenset("the a an o os as el la los las le les l' der die das dem den "
                     "my meu minha mi mon ma mein meine".split())
#: a word after a kind that keeps it a filter ("photos of the beach", "planilha de gastos")
AFTER_KIND = frozenset(
    "about regarding concerning with from of by that which mentioning "
    "sobre acerca com de do da dos das que con del sur avec du des concernant qui "
    "über ueber von vom mit zu zum zur aus".split())
#: words left dangling at the edges once the filters are taken out
EDGE = (AFTER_KIND | frozenset("and or e y et und oder ou to para".split())) - {"das"}
#: a query starting with one of these is a question: absolute dates in it are words
QUESTION = frozenset(
    "what who whom when why how which where whose "
    "que quem quando porque por como qual quais onde quanto quantos quantas "
    "qué quién quiénes cuándo cuál cuáles dónde cuánto cuántos cuántas "
    "quoi qui quand pourquoi comment quel quelle quels quelles où combien qu'est-ce "
    "was wer wen wem wann warum wieso weshalb wie welche welcher welches wo wieviel".split())
#: two-word question starts ("o que aconteceu", "por que")
QUESTION_PAIRS = frozenset({"o que", "por que", "est-ce que", "what's", "is it"})
#: "hier" is yesterday only in French: a query needs one of these to read it so
FRENCH_MARKERS = frozenset("les des du mes la le une un de d' et".split())

#: person prepositions, only where the query names mail: sender and recipient
SENDER_PREPS = r"from|by|de|do|da|del|dos|das|von|vom"
RECIPIENT_PREPS = r"to|para|an|à|a"
RECIPIENT_WORDS = frozenset(RECIPIENT_PREPS.split("|"))

#: folder words: "na pasta Documentos", "in the Work folder"
FOLDER_WORDS = r"folder|directory|pasta|diretório|diretorio|carpeta|directorio|dossier|" \
               r"répertoire|repertoire|ordner|verzeichnis"
FOLDER_PREPS = r"in|inside|em|na|no|en|dans|im|in den|into"
