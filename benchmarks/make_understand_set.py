import json
def Y(y):
    return (f"{y}-01-01",f"{y+1}-01-01")
rows=[]
def F(lang,q,query,kinds=(),after=None,before=None,sender=None,recipient=None,folder=None):
    rows.append(dict(lang=lang,q=q,plain=False,query=query,kinds=list(kinds),after=after,before=before,sender=sender,recipient=recipient,folder=folder))
def P(lang,q):
    rows.append(dict(lang=lang,q=q,plain=True,query=q,kinds=[],after=None,before=None,sender=None,recipient=None,folder=None))
N=["markdown","text"]
LW=("2026-03-02","2026-03-09"); W2=("2026-02-23","2026-03-02"); TM=("2026-03-01","2026-04-01"); LM=("2026-02-01","2026-03-01")
YD=("2026-03-14","2026-03-15"); DBY=("2026-03-13","2026-03-14"); SUM=("2025-06-01","2025-09-01")
# English
e="en"
F(e,"pdfs from 2021 about taxes","taxes",["pdf"],*Y(2021))
F(e,"slides from last autumn about the move","the move",["pptx"],"2025-09-01","2025-12-01")
F(e,"the scanned lease from last spring","the scanned lease",[],"2025-03-01","2025-06-01")
F(e,"photos from two weeks ago","",["picture"],*W2)
F(e,"emails from Pedro about the holidays","the holidays",["mail"],sender="Pedro")
F(e,"invoices in Downloads","invoices",folder="Downloads")
F(e,"notes from yesterday","",N,*YD)
F(e,"spreadsheets from this month","",["csv"],*TM)
F(e,"word documents about the contract before 2020","the contract",["docx"],before="2020-01-01")
F(e,"meeting notes until October","meeting notes",before="2025-11-01")
F(e,"pictures of the beach in May 2022","the beach",["picture"],"2022-05-01","2022-06-01")
F(e,"emails to Ana last week","",["mail"],*LW,recipient="Ana")
F(e,"code from the day before yesterday","",["code"],*DBY)
F(e,"presentations after 2023","",["pptx"],after="2024-01-01")
F(e,"the tax return pdf from 2019","the tax return",["pdf"],*Y(2019))
F(e,"documents in the Work folder since June 2025","documents",after="2025-06-01",folder="Work")
for q in ["the autumn leaves song","a photo editing tutorial","castles of the middle ages","email etiquette tips",
          "why is Friday the 13th unlucky","who won the world cup in 2018","how to edit a pdf","history of email",
          '"last year" lyrics',"may the force be with you","code review checklist","how many photos can an iphone store",
          "notes on a scandal","summer of love","from here to eternity","the spring equinox explained",
          "presentation skills for engineers","letters to a young poet","pictures at an exhibition","in 3020"]:
    P(e,q)
# Portuguese (pt-PT and pt-BR)
p="pt"
F(p,"fotografias do casamento em junho de 2022","casamento",["picture"],"2022-06-01","2022-07-01")
F(p,"a mensagem do Pedro sobre as férias","as férias",["mail"],sender="Pedro")
F(p,"pdfs de 2021 sobre impostos","impostos",["pdf"],*Y(2021))
F(p,"fotos de anteontem","",["picture"],*DBY)
F(p,"apresentações do mês passado","",["pptx"],*LM)
F(p,"planilhas deste ano","",["csv"],*Y(2026))
F(p,"folhas de cálculo da semana passada","",["csv"],*LW)
F(p,"correio do banco há duas semanas","",["mail"],*W2,sender="banco")
F(p,"documentos na pasta Transferências","documentos",folder="Transferências")
F(p,"contrato de arrendamento depois de 2021","contrato de arrendamento",after="2022-01-01")
F(p,"notas até outubro","",N,before="2025-11-01")
F(p,"emails para a Ana este mês","",["mail"],*TM,recipient="Ana")
F(p,"fotos no verão passado","",["picture"],*SUM)
F(p,"arquivos pdf em 2019","",["pdf"],*Y(2019))
F(p,"documentos do Word sobre o contrato antes de 2020","o contrato",["docx"],before="2020-01-01")
F(p,"recibos de ontem","recibos",[],*YD)
F(p,"o relatório em maio","o relatório",[],"2025-05-01","2025-06-01")
F(p,"planilha de gastos mensais","gastos mensais",["csv"])
for q in ["o que aconteceu em 1974 em portugal","quem escreveu os lusíadas","como editar uma foto no telemóvel",
          "as folhas caem no outono","receita de bolo de laranja","história do correio em portugal","castelos da idade média",
          "dicas de etiqueta de email","por que sexta-feira 13 dá azar","quantos dias tem fevereiro","a primavera de praga",
          "músicas do verão de 1990","mensagem na garrafa","como funciona o correio eletrônico","quando foi a revolução dos cravos",
          "livros de 2020 mais vendidos","31 de fevereiro"]:
    P(p,q)
# Spanish
s="es"
F(s,"fotos de la boda en junio de 2022","la boda",["picture"],"2022-06-01","2022-07-01")
F(s,"correos de Ana sobre el viaje","el viaje",["mail"],sender="Ana")
F(s,"pdfs del año pasado","",["pdf"],*Y(2025))
F(s,"presentaciones de la semana pasada","",["pptx"],*LW)
F(s,"hojas de cálculo de este mes","",["csv"],*TM)
F(s,"facturas de hace dos semanas","facturas",[],*W2)
F(s,"diapositivas sobre el proyecto después de 2021","el proyecto",["pptx"],after="2022-01-01")
F(s,"documentos en la carpeta Descargas","documentos",folder="Descargas")
F(s,"notas de ayer","",N,*YD)
F(s,"imágenes del verano pasado","",["picture"],*SUM)
F(s,"contrato de alquiler hasta octubre","contrato de alquiler",before="2025-11-01")
F(s,"correos a Pedro en 2024","",["mail"],*Y(2024),recipient="Pedro")
F(s,"código de anteayer","",["code"],*DBY)
F(s,"mensajes del banco el mes pasado","",["mail"],*LM,sender="banco")
F(s,"documentos de Word antes de 2020","",["docx"],before="2020-01-01")
for q in ["la canción de las hojas de otoño","un tutorial de edición de fotos","castillos de la edad media",
          "consejos de etiqueta para correos","por qué el viernes 13 da mala suerte","quién ganó el mundial en 2010",
          "cómo convertir un pdf a word","cien años de soledad","el otoño del patriarca","historia del correo postal",
          "la casa de papel","recetas de cocina española","qué es una hoja de cálculo","el amor en los tiempos del cólera",
          "canciones del verano","31 de febrero"]:
    P(s,q)
# French
f="fr"
F(f,"photos du mariage en juin 2022","mariage",["picture"],"2022-06-01","2022-07-01")
F(f,"courriels de Marie sur les vacances","les vacances",["mail"],sender="Marie")
F(f,"pdf de 2021 sur les impôts","les impôts",["pdf"],*Y(2021))
F(f,"présentations de la semaine dernière","",["pptx"],*LW)
F(f,"tableurs de ce mois-ci","",["csv"],*TM)
F(f,"factures d'il y a deux semaines","factures",[],*W2)
F(f,"documents dans le dossier Téléchargements","documents",folder="Téléchargements")
F(f,"notes d'hier","",N,*YD)
F(f,"images de l'été dernier","",["picture"],*SUM)
F(f,"le bail jusqu'en octobre","le bail",before="2025-11-01")
F(f,"courriels à Pierre cette année","",["mail"],*Y(2026),recipient="Pierre")
F(f,"code d'avant-hier","",["code"],*DBY)
F(f,"messages de la banque le mois dernier","",["mail"],*LM,sender="banque")
F(f,"diapos sur le projet après 2021","le projet",["pptx"],after="2022-01-01")
F(f,"documents Word avant 2020","",["docx"],before="2020-01-01")
for q in ["la chanson des feuilles mortes","un tutoriel de retouche photo","les châteaux du moyen âge",
          "conseils de politesse pour les courriels","pourquoi le vendredi 13 porte malheur","qui a gagné la coupe du monde en 2018",
          "comment convertir un pdf en word","l'automne à paris","à la recherche du temps perdu","histoire du courrier postal",
          "le petit prince","recette de la tarte tatin","qu'est-ce qu'un tableur","la vie en rose","les misérables résumé","30 février 2024"]:
    P(f,q)
# German
d="de"
F(d,"Fotos von der Hochzeit im Juni 2022","der Hochzeit",["picture"],"2022-06-01","2022-07-01")
F(d,"E-Mails von Pedro über den Urlaub","den Urlaub",["mail"],sender="Pedro")
F(d,"PDFs aus 2021 über Steuern","Steuern",["pdf"],*Y(2021))
F(d,"Präsentationen von letzter Woche","",["pptx"],*LW)
F(d,"Tabellen von diesem Monat","",["csv"],*TM)
F(d,"Rechnungen von vor zwei Wochen","Rechnungen",[],*W2)
F(d,"Dokumente im Ordner Downloads","Dokumente",folder="Downloads")
F(d,"Notizen von gestern","",N,*YD)
F(d,"Bilder vom letzten Sommer","",["picture"],*SUM)
F(d,"Mietvertrag bis Oktober","Mietvertrag",before="2025-11-01")
F(d,"E-Mails an Anna dieses Jahr","",["mail"],*Y(2026),recipient="Anna")
F(d,"Code von vorgestern","",["code"],*DBY)
F(d,"Nachrichten von der Bank letzten Monat","",["mail"],*LM,sender="Bank")
F(d,"Folien über das Projekt nach 2021","das Projekt",["pptx"],after="2022-01-01")
F(d,"Word-Dokumente vor 2020","",["docx"],before="2020-01-01")
for q in ["das Lied vom Herbstlaub","eine Anleitung zur Fotobearbeitung","Burgen des Mittelalters","Tipps zur E-Mail-Etikette",
          "warum bringt Freitag der 13. Unglück","wer gewann die WM 2014","wie man ein PDF bearbeitet","Geschichte der Post",
          "der Herbst in Berlin","Tabellen der Bundesliga","Dokumente hier speichern","Bilder einer Ausstellung",
          "die Leiden des jungen Werther","Kochrezepte für den Sommer","Tage wie dieser"]:
    P(d,q)
with open("/work/wt/h25/benchmarks/understand_set.jsonl","w") as fh:
    fh.write(json.dumps({"today":"2026-03-15","folders":["Downloads","Documents","Documentos","Desktop","Work","Transferências","Descargas","Téléchargements","Dokumente"]},ensure_ascii=False)+"\n")
    for r in rows: fh.write(json.dumps(r,ensure_ascii=False)+"\n")
import collections
print(len(rows), collections.Counter((r["lang"],r["plain"]) for r in rows))
