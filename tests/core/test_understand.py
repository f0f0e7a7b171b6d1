"""understand: filters said in words, in five languages, and what stays words."""
from __future__ import annotations

import statistics
import time
from datetime import date, datetime

import pytest

from desktop_search.core.search import Filters
from desktop_search.core.search.remembered import folders_under, nothing_found, to_filters
from desktop_search.core.search.understand import Field, Problem, understand
from desktop_search.core.store import ChunkRow

TODAY = date(2026, 3, 15)          # a Sunday


def parse(q, **kw):
    return understand(q, today=TODAY, **kw).to_json()


@pytest.mark.parametrize("q, query, kinds, after, before", [
    ("pdfs from 2021 about taxes", "taxes", ["pdf"], "2021-01-01", "2022-01-01"),
    ("slides from last autumn about the move", "the move", ["pptx"], "2025-09-01", "2025-12-01"),
    ("fotografias do casamento em junho de 2022", "casamento", ["picture"], "2022-06-01", "2022-07-01"),
    ("planilhas deste ano", "", ["csv"], "2026-01-01", "2027-01-01"),
    ("folhas de cálculo da semana passada", "", ["csv"], "2026-03-02", "2026-03-09"),
    ("fotos de anteontem", "", ["picture"], "2026-03-13", "2026-03-14"),
    ("facturas de hace dos semanas", "facturas", [], "2026-02-23", "2026-03-02"),
    ("pdfs del año pasado", "", ["pdf"], "2025-01-01", "2026-01-01"),
    ("le bail jusqu'en octobre", "le bail", [], None, "2025-11-01"),
    ("notes d'hier", "", ["markdown", "text"], "2026-03-14", "2026-03-15"),
    ("Bilder vom letzten Sommer", "", ["picture"], "2025-06-01", "2025-09-01"),
    ("Folien über das Projekt nach 2021", "das Projekt", ["pptx"], "2022-01-01", None),
    ("Word-Dokumente vor 2020", "", ["docx"], None, "2020-01-01"),
])
def test_dates_and_kinds_in_five_languages(q, query, kinds, after, before):
    got = parse(q)
    assert got["query"] == query
    assert got["filters"]["kinds"] == kinds
    assert (got["filters"]["after"], got["filters"]["before"]) == (after, before)


@pytest.mark.parametrize("q", [
    "the autumn leaves song", "a photo editing tutorial", "castles of the middle ages",
    "email etiquette tips", "why is Friday the 13th unlucky", "who won the world cup in 2018",
    "how to edit a pdf", "may the force be with you", "mensagem na garrafa",
    "o que aconteceu em 1974 em portugal", "Dokumente hier speichern", "Tipps zur E-Mail-Etikette",
    "conseils de politesse pour les courriels", "livros de 2020 mais vendidos",
])
def test_plain_questions_get_no_filter(q):
    u = understand(q, today=TODAY, folders=["Downloads"])
    assert not u.filtered and u.query == q


def test_quoted_words_and_literal_are_never_read():
    assert not understand('"last year" report', today=TODAY).filtered
    assert not understand("pdfs from 2021", today=TODAY, literal=True).filtered
    assert understand("pdfs from 2021", today=TODAY).filtered


def test_people_only_where_the_query_names_mail():
    u = understand("a mensagem do Pedro sobre as férias", today=TODAY)
    assert (u.kinds, u.sender, u.query) == (("mail",), "Pedro", "as férias")
    u = understand("Nachrichten von der Bank letzten Monat", today=TODAY)
    assert (u.sender, u.after, u.before) == ("Bank", date(2026, 2, 1), date(2026, 3, 1))
    assert understand("emails to Ana last week", today=TODAY).recipient == "Ana"
    assert understand("recipes from Italy", today=TODAY).sender is None     # no mail: words


def test_folders_explicit_or_known():
    assert understand("documentos na pasta Transferências", today=TODAY).folder == "Transferências"
    assert understand("invoices in Downloads", today=TODAY, folders=["downloads"]).folder == "Downloads"
    assert not understand("invoices in Downloads", today=TODAY).filtered    # not a folder we know


def test_bad_dates_are_words_with_a_reason():
    u = understand("31 de fevereiro", today=TODAY)
    assert not u.filtered and u.query == "31 de fevereiro"
    assert u.problems == ((Problem.NO_SUCH_DAY, "31 de fevereiro"),)
    u = understand("reports in 3020", today=TODAY)
    assert not u.filtered and u.problems[0][0] is Problem.FAR_YEAR
    u = understand("30 février 2024", today=TODAY)        # not re-read as "février 2024"
    assert not u.filtered


def test_a_removed_piece_is_words_again():
    u = understand("pdfs from 2021 about taxes", today=TODAY)
    kind = next(p for p in u.pieces if p.field is Field.KIND)
    v = u.without(kind)
    assert v.kinds == () and v.after == date(2021, 1, 1) and "pdfs" in v.query
    assert v.without(v.pieces[0]).query == "pdfs from 2021 about taxes"


def test_filters_keep_sender_by_display_name_and_dates_by_what_matters(tmp_path):
    u = understand("emails from pedro in May 2022", today=TODAY)
    f = to_filters(u)

    def row(sender, taken):
        return ChunkRow(1, 1, "/m.eml", 0, 0, 1, None, None, "x", "mail", None,
                        0, 1, taken=taken, sender=sender)
    may = datetime(2022, 5, 20).timestamp()
    assert f.keep(row("Pedro Álvares <p@example.org>", may))
    assert not f.keep(row("Ana <a@example.org>", may))
    assert not f.keep(row("Pedro <p@example.org>", datetime(2022, 6, 1, 0, 0, 1).timestamp()))
    assert to_filters(u, base=Filters(kinds=["pdf"])).kinds == ["pdf"]   # the option wins


def test_folder_names_are_read_under_the_watched_folders(tmp_path):
    (tmp_path / "home" / "Downloads" / "old").mkdir(parents=True)
    names = folders_under([str(tmp_path / "home")])
    assert names["downloads"] == [str(tmp_path / "home" / "Downloads")]
    u = understand("bills in the old folder", today=TODAY, folders=names)
    assert to_filters(u, folders=names).folders == [str(tmp_path / "home" / "Downloads" / "old")]


def test_nothing_found_says_what_and_how_to_widen():
    u = understand("pdfs from March 2026", today=TODAY)
    assert nothing_found(u) == "No PDFs from March 2026 · search all types"


def test_parse_is_cheap_per_keystroke():
    q = "fotografias do casamento em junho de 2022 na pasta Documentos"
    understand("warm", today=TODAY)
    costs = []
    for i in range(1, len(q) + 1):
        t = time.perf_counter()
        understand(q[:i] + " ", today=date(2026, 3, 14))     # a new key each time: uncached
        costs.append(time.perf_counter() - t)
    assert statistics.median(costs) < 0.005      # ~0.06 ms measured; generous for a busy CI


@pytest.mark.parametrize("q", ["Nachrichten von Pedro an Ana", "mensagens do Pedro para a Ana",
                               "emails from Pedro to Ana"])
def test_a_sender_and_a_recipient_are_two_people(q):
    f = parse(q)["filters"]
    assert (f["sender"], f.get("recipient")) == ("Pedro", "Ana")


def test_date_chips_name_the_days_included():
    from desktop_search.core.search.remembered import when_label
    assert when_label(date(2026, 3, 14), date(2026, 3, 15)) == "2026-03-14"        # yesterday
    assert when_label(date(2026, 3, 2), date(2026, 3, 9)) == "2026-03-02 to 2026-03-08"
