"""Pictures: header and EXIF, OCR on real rendered text, thumbnails, and hostile files."""
from __future__ import annotations

import os
import time

import pytest
from PIL import Image, ImageDraw, ImageFont

from desktop_search.core.extract import images as im
from desktop_search.errors import CorruptFile, TooLarge


def _font(size: int = 30):
    return ImageFont.truetype("DejaVuSans.ttf", size)


def render(lines: list[str], size=(1100, 320)) -> Image.Image:
    img = Image.new("RGB", size, "white")
    d = ImageDraw.Draw(img)
    for i, line in enumerate(lines):
        d.text((40, 40 + 70 * i), line, fill=(0, 0, 0), font=_font())
    return img


def _exif(*, make="Canon", model="Canon EOS 80D", taken="2021:07:04 10:30:00", orientation=1):
    exif = Image.Exif()
    exif[0x010F] = make
    exif[0x0110] = model
    exif[0x0112] = orientation
    exif.get_ifd(0x8769)[0x9003] = taken
    return exif


def test_exif_date_camera_and_size(tmp_path):
    p = tmp_path / "photo.jpg"
    Image.new("RGB", (640, 480), "navy").save(p, exif=_exif())
    info = im.picture_info(p)
    assert (info.width, info.height, info.pages, info.format) == (640, 480, 1, "JPEG")
    assert info.camera == "Canon EOS 80D"  # the make is not repeated
    assert time.strftime("%Y-%m-%d %H:%M", time.localtime(info.taken)) == "2021-07-04 10:30"
    assert "Canon EOS 80D" in info.describe() and "640 \u00d7 480" in info.describe()


def test_no_exif_and_junk_exif_are_not_errors(tmp_path):
    p = tmp_path / "plain.png"
    Image.new("RGB", (20, 10)).save(p)
    info = im.picture_info(p)
    assert info.taken is None and info.camera is None and info.orientation == 1
    q = tmp_path / "junk.jpg"
    Image.new("RGB", (20, 10)).save(q, exif=_exif(taken="not a date", orientation=99))
    info = im.picture_info(q)
    assert info.taken is None and info.orientation == 1


def test_damaged_exif_is_read_quietly(tmp_path):
    """Pillow warns about a damaged EXIF block ("Corrupt EXIF data"); /usr/share/doc has such
    pictures. The fields are lost, the picture is not, and nothing is printed."""
    import warnings

    good = _exif().tobytes()
    p = tmp_path / "damaged.jpg"
    Image.new("RGB", (40, 30), "olive").save(p, exif=good[:len(good) - 9])
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        Image.open(p).getexif().get_ifd(0x8769)      # Pillow itself warns here
        pillow_warned = bool(caught)
        caught.clear()
        info = im.picture_info(p)
    assert pillow_warned, "the file must really be damaged for this test to mean anything"
    assert caught == [] and (info.width, info.height) == (40, 30)


@pytest.mark.parametrize("fmt", ["PNG", "WEBP", "BMP", "GIF", "TIFF"])
def test_every_format_is_read(tmp_path, fmt):
    p = tmp_path / f"x.{fmt.lower()}"
    Image.new("RGB", (32, 16), "red").save(p, fmt)
    assert im.is_picture(p)
    assert im.picture_info(p).format == fmt


def test_heic_through_the_plugin(tmp_path):
    pillow_heif = pytest.importorskip("pillow_heif")  # optional: HEIC where the plugin installs
    pillow_heif.register_heif_opener()
    p = tmp_path / "phone.heic"
    try:
        Image.new("RGB", (64, 48), "green").save(p, "HEIF")
    except Exception as e:  # the wheel may ship without an encoder
        pytest.skip(f"no HEIF encoder here: {e}")
    assert im.picture_info(p).width == 64


@pytest.mark.slow  # real OCR models
def test_ocr_reads_english_and_portuguese_lines(tmp_path):
    p = tmp_path / "scan.png"
    render(["Invoice number 4471 for the garden shed repair",
            "Renovação do contrato não foi aprovada"]).save(p)
    pages = im.ocr_picture(p)
    assert len(pages) == 1
    text = pages[0].lower()
    assert "invoice number 4471 for the garden shed repair" in text
    for word in ("contrato", "aprovada", "do", "foi"):
        assert word in text.split()
    from desktop_search.core.extract.ocr_latin import latin_model_path

    if latin_model_path() is not None:   # the Latin-script recogniser keeps the accents
        assert "renovação do contrato não foi aprovada" in text


@pytest.mark.slow  # real OCR models
def test_ocr_honours_orientation(tmp_path):
    p = tmp_path / "sideways.jpg"
    upright = render(["Quarterly budget meeting notes"], size=(800, 160))
    upright.rotate(90, expand=True).save(p, exif=_exif(orientation=6), quality=95)
    assert "quarterly budget meeting notes" in im.ocr_picture(p)[0].lower()


def test_thumbnail_is_cached_and_upright(tmp_path):
    p = tmp_path / "tall.jpg"
    # stored landscape, EXIF says rotate: the thumbnail must come out portrait
    Image.new("RGB", (400, 200), "white").save(p, exif=_exif(orientation=6))
    cache = tmp_path / "thumbs"
    out = im.make_thumbnail(p, cache_dir=cache, px=64)
    with Image.open(out) as t:
        assert t.size[1] == 64 and t.size[0] == 32
    mtime = out.stat().st_mtime_ns
    assert im.make_thumbnail(p, cache_dir=cache, px=64) == out and out.stat().st_mtime_ns == mtime


def test_decompression_bomb_is_refused_before_decoding(tmp_path):
    p = tmp_path / "bomb.png"
    Image.new("1", (20_000, 20_000)).save(p, optimize=True)  # 400 MP in a few tens of KB
    assert p.stat().st_size < 200_000
    with pytest.raises(TooLarge, match="bomb|megapixel"):
        im.picture_info(p)
    with pytest.raises(TooLarge):
        im.ocr_picture(p)


def test_truncated_jpeg_says_so(tmp_path):
    p = tmp_path / "cut.jpg"
    render(["some words"]).save(p, quality=90)
    data = p.read_bytes()
    p.write_bytes(data[: len(data) // 2])
    im.picture_info(p)  # the header is intact
    with pytest.raises(CorruptFile, match="truncated"):
        im.ocr_picture(p)


@pytest.mark.slow  # a thousand pages
def test_thousand_page_tiff_is_capped(tmp_path):
    p = tmp_path / "fax.tiff"
    page = Image.new("1", (8, 8), 1)
    page.save(p, save_all=True, append_images=[page] * 999)
    assert im.picture_info(p).pages == 1000
    t = time.monotonic()
    with pytest.raises(TooLarge, match="1,000 pages"):
        im.ocr_picture(p)
    assert time.monotonic() - t < 10


@pytest.mark.slow  # real OCR on every page
def test_multipage_tiff_reads_every_page(tmp_path):
    p = tmp_path / "two.tif"
    a = render(["First page says apples"], size=(700, 150))
    b = render(["Second page says oranges"], size=(700, 150))
    a.save(p, save_all=True, append_images=[b])
    pages = im.ocr_picture(p)
    assert len(pages) == 2
    assert "apples" in pages[0].lower() and "oranges" in pages[1].lower()


def test_thumbnail_cache_is_bounded(tmp_path):
    cache = tmp_path / "thumbs"
    made = []
    for i in range(4):
        p = tmp_path / f"p{i}.png"
        Image.effect_noise((200, 200), 60).convert("RGB").save(p)
        out = im.make_thumbnail(p, cache_dir=cache, px=128)
        os.utime(out, (1000 + i, 1000 + i))       # made in this order
        made.append(out)
    one = made[0].stat().st_size
    assert im.prune_thumbnails(cache, max_bytes=2 * one + one // 2) >= 2
    assert not made[0].exists() and made[3].exists()   # the oldest go first
