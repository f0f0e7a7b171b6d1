"""Make the README screenshots: the real window answering a real query, and indexing.

    xvfb-run -s "-screen 0 1280x800x24" python3 benchmarks/screenshot.py

writes docs/screenshots/window.png, indexing.png and pictures.png; with ``--window-lang
pt_PT`` the window speaks Portuguese (as on a computer in Lisbon) and the shots are named
window-pt.png, indexing-pt.png, pictures-pt.png. Under Xvfb (the
xcb platform) the shots come from the screen itself; elsewhere from the window
(``QWidget.grab``). The documents are written to a temporary folder (or ``--dir``).
"""
from __future__ import annotations

import argparse
import os
import random
import sys
import tempfile
from pathlib import Path

DOCS: dict[str, str] = {
    "Home/lease-agreement.pdf": (
        "Residential Lease Agreement\n\n"
        "1. Parties. This agreement is made between the landlord, Harbourview Lettings Ltd, and "
        "the tenant named below for the flat at 14 Quay Street, second floor.\n\n"
        "2. Rent. The monthly rent is 1,150 EUR, payable on the first working day of each month "
        "by bank transfer. Late payment beyond ten days incurs a fee of 35 EUR.\n\n"
        "3. Deposit. A deposit of two months' rent is held in a protected scheme and returned "
        "within thirty days of the end of the tenancy, less any agreed deductions.\n\n"
        "4. Ending the tenancy. Either party may end this agreement by giving written notice. "
        "The tenant must give at least two full months' notice before moving out; the landlord "
        "must give three months. Notice is given by letter or e-mail to the addresses below.\n\n"
        "5. Repairs. The landlord is responsible for the structure, heating and hot water. The "
        "tenant reports any damage or leak promptly and keeps the flat reasonably clean.\n\n"
        "6. Pets and subletting. Pets are allowed with written consent. Subletting is not "
        "permitted.\n"),
    "Home/houseplants.md": (
        "# Houseplants\n\n"
        "The fiddle-leaf fig wants bright, indirect light and hates being moved. Water it when "
        "the top five centimetres of soil are dry, roughly every ten days in summer.\n\n"
        "## When we travel\n\n"
        "Before a long trip, water everything deeply and group the pots in the bathroom, away "
        "from the window, so they share humidity. The ferns sit in a tray of wet pebbles. "
        "For more than two weeks away, ask Marta next door: the spare key is in the blue "
        "bowl.\n\n"
        "## Repotting\n\nRepot the monstera in spring, one size up, with chunky bark mix.\n"),
    "Home/insurance-claim.docx": (
        "Claim for water damage, policy HB-2291-77\n\n"
        "On the night of 3 February a pipe under the kitchen sink burst while we were asleep. "
        "The water spread under the floorboards into the hallway and the flat below.\n\n"
        "Damaged: the kitchen floor (oak laminate), the base of two cupboards, a rug and the "
        "washing machine's electronics. The plumber's invoice and photographs are attached.\n\n"
        "We ask for the repair of the floor and cupboards and the replacement of the rug.\n"),
    "Travel/lisbon-itinerary.txt": (
        "Lisbon, 4 days in May\n\n"
        "Day 1: arrive 11:40, tram 28 through Alfama, sunset at the Miradouro da Senhora do "
        "Monte.\nDay 2: Belem tower and the monastery in the morning, custard tarts, the MAAT "
        "by the river.\nDay 3: day trip to Sintra by train from Rossio; Pena palace tickets "
        "booked for 10:30.\nDay 4: LX Factory, fly home 19:05.\n\n"
        "Hotel: Casa do Largo, breakfast included, check-in after 15:00.\n"),
    "Travel/packing-list.md": (
        "# Packing list\n\n- passports and the printed boarding passes\n- adapters (type F)\n"
        "- light rain jacket\n- walking shoes\n- sunscreen\n- chargers, camera, spare card\n"),
    "Kitchen/sourdough.md": (
        "# Sourdough notes\n\n"
        "Feed the starter the evening before: 50 g starter, 50 g flour, 50 g water. Mix the "
        "dough at 9:00 with 75% hydration, salt after the autolyse. Four sets of stretch and "
        "folds, thirty minutes apart. Shape, then let it proof overnight in the fridge.\n\n"
        "Bake in the preheated Dutch oven: 20 minutes lid on at 250 C, then 25 minutes lid off "
        "at 230 C until the crust is deep brown.\n"),
    "Kitchen/lasagne.html": (
        "<html><head><title>Grandma's lasagne</title></head><body><h1>Grandma's lasagne</h1>"
        "<p>Brown the mince with onion, carrot and celery, add tomato passata and simmer for an "
        "hour. Make a bechamel with butter, flour and warm milk, and a pinch of nutmeg.</p>"
        "<p>Layer sauce, pasta sheets, bechamel and parmesan, four times. Bake at 190 C for 40 "
        "minutes and let it rest before cutting.</p></body></html>"),
    "Work/meeting-2025-03-12.md": (
        "# Project kickoff, 12 March\n\n"
        "Attendees: Ana, Ben, Chloe, Dev.\n\n"
        "Decisions: ship the beta to ten pilot customers by the end of April; weekly demo on "
        "Thursdays; Chloe owns the onboarding flow.\n\n"
        "Risks: the data migration may take longer than planned; Ben checks the export format "
        "with the customer's IT team this week.\n"),
    "Work/quarterly-report.docx": (
        "Quarterly report, Q1\n\n"
        "Revenue grew 12% over the previous quarter, driven by the two new enterprise "
        "contracts. Support tickets fell by a fifth after the help centre relaunch.\n\n"
        "Next quarter we focus on retention: onboarding e-mails, a usage dashboard for admins "
        "and a faster export.\n"),
    "Work/conference-talk.pptx": (
        "Search that understands you\n\n"
        "Keyword search fails when you do not remember the exact words.\n\n"
        "Sentence embeddings place texts with similar meaning close together.\n\n"
        "Everything runs on the laptop: no cloud, no account.\n"),
    "Health/cat-vet-visit.txt": (
        "Vet visit for Miso, 18 January\n\n"
        "Weight 4.6 kg, healthy. Vaccination boosters done; next ones due in a year. The vet "
        "says the long afternoon naps on the radiator are normal for an indoor cat of nine. "
        "Trim the claws every three weeks; dental check at the next visit.\n"),
    "Health/running-plan.txt": (
        "10 km plan, 8 weeks\n\n"
        "Three runs a week: one easy, one with intervals (6 x 400 m), one long run growing from "
        "5 to 11 km. Stretch after each run, rest on the day after the long run.\n"),
    "Hobbies/guitar-practice.md": (
        "# Guitar practice\n\nTen minutes of chord changes (G, C, D, E minor) with the "
        "metronome at 60, then fingerpicking pattern 3, then one song from start to end. "
        "Record yourself once a week.\n"),
    "Home/home-network.md": (
        "# Home network\n\nRouter admin page at 192.168.1.1. The guest Wi-Fi is 'Quay-Guest', "
        "the password is on the fridge. The printer has a fixed address, .20. Firmware "
        "updates on the first Sunday of the month.\n"),
    "Finance/budget-2025.csv": (
        "category,monthly,notes\nrent,1150,Quay Street flat\ngroceries,420,\n"
        "transport,85,monthly pass\nutilities,130,electricity and internet\n"
        "savings,300,holiday fund\n"),
    # a person in Lisbon keeps some files in Portuguese
    "Família/bacalhau-a-bras.md": (
        "# Bacalhau à Brás\n\nDemolhar o bacalhau de véspera e desfiá-lo. Fritar a batata "
        "palha, alourar a cebola em azeite com alho, juntar o bacalhau e a batata e, fora do "
        "lume, os ovos batidos. Servir com azeitonas pretas e salsa picada.\n"),
    "Família/ata-condominio.txt": (
        "Ata da reunião de condomínio de 4 de março. Aprovada a pintura da fachada e a "
        "substituição do elevador; a quota mensal sobe para 45 euros a partir de junho. "
        "A próxima assembleia realiza-se em outubro.\n"),
    "Travel/roteiro-porto.md": (
        "# Fim de semana no Porto\n\nSábado: Ribeira, ponte D. Luís a pé, caves de vinho "
        "do Porto em Gaia. Domingo: Serralves de manhã, francesinha ao almoço, regresso a "
        "Lisboa no Alfa Pendular das 18h.\n"),
}

QUERY = "how much notice do I have to give before moving out"
INDEXING_QUERY = "a trip to Portugal"
PICTURE_QUERY = "what did the garden hose cost"

#: the same questions in the window's language (``--window-lang``)
QUERIES = {
    "pt": ("quanto passa a custar a quota do condomínio", "uma viagem a Portugal",
           "quanto custou a mangueira do jardim"),
}

#: a photographed receipt: only OCR can find it
RECEIPT = ["QUAYSIDE HARDWARE", "14 Harbour Road", "", "Garden hose 25 m      34.90",
           "Hose reel              12.50", "Brass nozzle            6.95", "",
           "TOTAL EUR              54.35", "Paid by card  12/06/2025", "Thank you!"]


def _write_receipt(path: Path) -> bool:
    """A receipt as a phone photo would show it: dark text on off-white, slightly turned."""
    try:
        from PIL import Image, ImageDraw, ImageFont
    except ImportError:
        return False
    try:
        font = ImageFont.truetype("DejaVuSansMono.ttf", 34)
    except OSError:
        font = ImageFont.load_default()
    img = Image.new("RGB", (760, 620), (246, 243, 234))
    draw = ImageDraw.Draw(img)
    for i, line in enumerate(RECEIPT):
        draw.text((50, 40 + i * 54), line, fill=(35, 35, 40), font=font)
    img = img.rotate(1.5, expand=True, fillcolor=(120, 110, 100))
    path.parent.mkdir(parents=True, exist_ok=True)
    img.save(path, quality=90)
    return True


def write_docs(root: Path, *, bulk: int = 0, seed: int = 3) -> Path:
    """The demo documents in their real formats (plus ``bulk`` generated notes)."""
    root.mkdir(parents=True, exist_ok=True)
    for rel, text in DOCS.items():
        path = root / rel
        path.parent.mkdir(parents=True, exist_ok=True)
        if path.suffix == ".pdf":
            if not _write_pdf(path, text):
                path = path.with_suffix(".txt")
                path.write_text(text, encoding="utf-8")
        elif path.suffix == ".docx":
            from docx import Document

            doc = Document()
            for para in text.split("\n\n"):
                doc.add_paragraph(para.strip())
            doc.save(path)
        elif path.suffix == ".pptx":
            from pptx import Presentation

            prs = Presentation()
            parts = [p.strip() for p in text.split("\n\n") if p.strip()]
            slide = prs.slides.add_slide(prs.slide_layouts[0])
            slide.shapes.title.text = parts[0]
            for body in parts[1:]:
                s = prs.slides.add_slide(prs.slide_layouts[1])
                s.shapes.title.text = body.split(":")[0][:40]
                s.placeholders[1].text = body
            prs.save(path)
        else:
            path.write_text(text, encoding="utf-8")
    _write_receipt(root / "Pictures" / "IMG_2041.jpg")
    if bulk:
        from latency import DETAILS, OBJECTS, SUBJECTS, VERBS

        rng = random.Random(seed)
        notes = root / "Work" / "minutes"
        notes.mkdir(parents=True, exist_ok=True)
        for i in range(bulk):
            body = " ".join(f"{rng.choice(SUBJECTS).capitalize()} {rng.choice(VERBS)} "
                            f"{rng.choice(OBJECTS)} {rng.choice(DETAILS)}"
                            for _ in range(rng.randint(3, 8)))
            (notes / f"minutes-{i:04d}.txt").write_text(body + "\n", encoding="utf-8")
    return root


def _write_pdf(path: Path, text: str) -> bool:
    try:
        from fpdf import FPDF
    except ImportError:
        return False
    pdf = FPDF()
    pdf.add_page()
    pdf.set_font("Helvetica", size=11)
    for para in text.split("\n\n"):
        pdf.multi_cell(0, 6, para.strip())
        pdf.ln(3)
    pdf.output(str(path))
    return True


def grab(window, out: Path) -> Path:
    """The window as it is on screen (Xvfb) or as it paints itself (offscreen)."""
    from PySide6.QtWidgets import QApplication

    app = QApplication.instance()
    out.parent.mkdir(parents=True, exist_ok=True)
    if app.platformName() == "xcb":
        screen = window.screen() or app.primaryScreen()
        g = window.frameGeometry()
        pm = screen.grabWindow(0, g.x(), g.y(), g.width(), g.height())
    else:
        pm = window.grab()
    pm.save(str(out))
    return out


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--out", default="docs/screenshots", help="folder for the PNGs")
    ap.add_argument("--dir", help="work folder for documents and index (default: temporary)")
    ap.add_argument("--bulk", type=int, default=600, help="generated notes to index for the "
                                                         "indexing shot")
    ap.add_argument("--size", default="1200x760")
    ap.add_argument("--dark", action="store_true", help="a dark palette (to check contrast)")
    ap.add_argument("--lang", default="pt_PT.UTF-8",
                    help="the computer's locale (the person shown lives in Lisbon: the app "
                         "chooses the model for every language and says why)")
    ap.add_argument("--window-lang", default="en",
                    help="the window's language (pt_PT, pt_BR, es, fr, de; en: English): "
                         "the shots are named after it (window-pt.png)")
    ap.add_argument("--only", choices=("indexing", "window", "pictures"), action="append",
                    help="make only these shots (repeatable; default: all)")
    args = ap.parse_args(argv)
    for var in ("LC_ALL", "LC_MESSAGES", "LANGUAGE"):
        os.environ.pop(var, None)
    os.environ["LANG"] = args.lang
    os.environ.setdefault("TOKENIZERS_PARALLELISM", "false")
    if not os.environ.get("DISPLAY") and "QT_QPA_PLATFORM" not in os.environ:
        os.environ["QT_QPA_PLATFORM"] = "offscreen"

    from desktop_search.config import Settings
    from desktop_search.ui.app import engine_factory, install_language, make_application
    from desktop_search.ui.controller import SearchController
    from latency import _wait
    from desktop_search.ui.window import SearchWindow

    work = Path(args.dir) if args.dir else Path(tempfile.mkdtemp(prefix="ds-shots-"))
    docs = write_docs(work / "Documents", bulk=args.bulk)
    data = work / "data"
    out = Path(args.out)
    app = make_application()
    lang = install_language(args.window_lang)
    suffix = ("-dark" if args.dark else "") + ("" if lang == "en" else "-" + lang.split("_")[0])
    only = set(args.only or ("indexing", "window", "pictures"))
    query, indexing_query, picture_query = _queries(lang)
    if args.dark:
        _dark_palette(app)
    controller = SearchController(settings=Settings.load(data / "settings.json") if data.exists()
                                  else Settings(), make_engine=engine_factory(data))
    window = SearchWindow(controller, window_state_path=None, use_tray=False,
                          opener=lambda hit: None, revealer=lambda hit: None)
    w, h = (int(x) for x in args.size.split("x"))
    window.resize(w, h)
    window.move(40, 20)
    window.show()
    controller.start()
    if not _wait(app, lambda: controller.ready, 60):
        print("the index did not open", file=sys.stderr)
        return 1
    _wait(app, lambda: controller.model_ready, 120)
    # 1. during indexing: a query typed while files are still arriving
    window.add_folders([str(docs)])
    if "indexing" in only:
        window.search_edit.setText(indexing_query)
        _wait(app, lambda: window.results_model.query == indexing_query
              and bool(window.results_model.hits), 120)
        # embedding is the long part of indexing: show it with answers already coming in
        ok = _wait(app, lambda: controller.progress.state == "embedding"
                   and controller.progress.chunks_pending >= 0.35 * (
                       controller.progress.chunks_pending + controller.progress.chunks_embedded)
                   and bool(window.results_model.hits)
                   and os.path.basename(window.results_model.hits[0].path) == "lisbon-itinerary.txt",
                   180)
        window.results_view.setCurrentIndex(window.results_model.index(0))
        _wait(app, lambda: _preview_shows_current(window), 5)
        app.processEvents()
        path = grab(window, out / f"indexing{suffix}.png")
        print(f"wrote {path}" + ("" if ok else " (indexing had finished before the shot)"))
    # 2. the answer to a real query over the finished index
    _wait(app, lambda: sum(r.files for r in window.roots) > 0, 120)     # the scan has begun
    _wait(app, lambda: controller.progress.state == "idle"
          and controller.engine.library.count_unembedded() == 0, 600)
    window.search_edit.clear()
    window.search_edit.setText(query)
    _wait(app, lambda: window.results_model.query == query, 30)
    _wait(app, lambda: _preview_shows_current(window), 10)
    # the sentences that answer come a moment after the list (bold in the rows, the preview
    # scrolled to the first one)
    _wait(app, lambda: bool(window.results_model.hits)
          and window.results_model.hits[0].answer is not None
          and window.preview.doc is not None and window.preview.doc.answer is not None, 30)
    _wait(app, lambda: False, 0.5)
    if "window" in only:
        path = grab(window, out / f"window{suffix}.png")
        print(f"wrote {path}; top result: "
              f"{window.results_model.hits[0].path if window.results_model.hits else None}")
    if "pictures" not in only:
        window.close()
        controller.shutdown()
        return 0
    # 3. a photographed receipt, found by the words OCR read in it
    _wait(app, lambda: controller.progress.state == "idle"
          and not getattr(controller.progress, "pictures_pending", 0), 600)
    window.search_edit.clear()
    window.search_edit.setText(picture_query)
    _wait(app, lambda: window.results_model.query == picture_query
          and bool(window.results_model.hits), 30)
    window.results_view.setCurrentIndex(window.results_model.index(0))
    _wait(app, lambda: _preview_shows_current(window), 10)
    _wait(app, lambda: False, 1.5)   # thumbnails and the scaled picture arrive from workers
    path = grab(window, out / f"pictures{suffix}.png")
    top = window.results_model.hits[0].path if window.results_model.hits else None
    print(f"wrote {path}; top result: {top}")
    window.close()
    controller.shutdown()
    return 0


def _queries(lang: str) -> tuple[str, str, str]:
    """The three questions, as the person shown would type them in the window's language
    (the documents stay as they are: English and Portuguese, found across languages)."""
    return QUERIES.get(lang.split("_")[0], (QUERY, INDEXING_QUERY, PICTURE_QUERY))


def _preview_shows_current(window) -> bool:
    hit, doc = window.current_hit(), window.preview.doc
    return hit is not None and doc is not None and doc.hit.chunk_id == hit.chunk_id


def _dark_palette(app) -> None:
    from PySide6.QtGui import QColor, QPalette

    p = QPalette()
    roles = {QPalette.ColorRole.Window: "#2b2d31", QPalette.ColorRole.WindowText: "#e6e6e6",
             QPalette.ColorRole.Base: "#1f2023", QPalette.ColorRole.AlternateBase: "#2b2d31",
             QPalette.ColorRole.Text: "#e6e6e6", QPalette.ColorRole.Button: "#34363b",
             QPalette.ColorRole.ButtonText: "#e6e6e6", QPalette.ColorRole.Highlight: "#3d6fd6",
             QPalette.ColorRole.HighlightedText: "#ffffff", QPalette.ColorRole.ToolTipBase: "#34363b",
             QPalette.ColorRole.ToolTipText: "#e6e6e6", QPalette.ColorRole.PlaceholderText: "#9a9ca3",
             QPalette.ColorRole.Link: "#7aa7ff"}
    for role, colour in roles.items():
        p.setColor(role, QColor(colour))
    app.setStyle("Fusion")
    app.setPalette(p)


if __name__ == "__main__":
    sys.exit(main())
