//! Pictures encoded again: a JPEG's EXIF (GPS position included) does not survive but its
//! orientation is applied; a PNG's text chunks do not survive; a 10,000 × 10,000 PNG bomb of a
//! few kilobytes is refused from its header, quickly; what is not a picture is refused.
#![allow(clippy::unwrap_used)]

use std::io::Cursor;
use std::time::{Duration, Instant};

use ent_portlet_kit::picture::{PictureError, PictureRules, reencode};
use image::codecs::jpeg::JpegEncoder;
use image::{DynamicImage, ImageFormat, RgbImage};

/// A plain JPEG of `w` × `h`.
fn jpeg(w: u32, h: u32) -> Vec<u8> {
    let img = DynamicImage::ImageRgb8(RgbImage::from_fn(w, h, |x, y| image::Rgb([(x * 7) as u8, (y * 5) as u8, 90])));
    let mut out = Vec::new();
    JpegEncoder::new_with_quality(&mut out, 90).encode_image(&img).unwrap();
    out
}

/// An EXIF block (big-endian TIFF) with an orientation (6: turned a quarter clockwise) and a GPS
/// position: latitude 48° 51' 24" N, longitude 2° 21' 8" E — a school in Paris.
fn exif_with_gps() -> Vec<u8> {
    let mut t = Vec::new();
    t.extend_from_slice(b"MM\0\x2a\0\0\0\x08");
    // IFD0 at 8: two entries: Orientation (0x0112, SHORT, 6) and GPSInfo (0x8825, LONG, offset 38).
    t.extend_from_slice(&2u16.to_be_bytes());
    t.extend_from_slice(&[0x01, 0x12, 0, 3, 0, 0, 0, 1, 0, 6, 0, 0]);
    t.extend_from_slice(&[0x88, 0x25, 0, 4, 0, 0, 0, 1, 0, 0, 0, 38]);
    t.extend_from_slice(&0u32.to_be_bytes());
    assert_eq!(t.len(), 38);
    // GPS IFD at 38: LatitudeRef "N", Latitude (3 rationals at 92), LongitudeRef "E", Longitude (at 116).
    t.extend_from_slice(&4u16.to_be_bytes());
    t.extend_from_slice(&[0, 1, 0, 2, 0, 0, 0, 2, b'N', 0, 0, 0]);
    t.extend_from_slice(&[0, 2, 0, 5, 0, 0, 0, 3, 0, 0, 0, 92]);
    t.extend_from_slice(&[0, 3, 0, 2, 0, 0, 0, 2, b'E', 0, 0, 0]);
    t.extend_from_slice(&[0, 4, 0, 5, 0, 0, 0, 3, 0, 0, 0, 116]);
    t.extend_from_slice(&0u32.to_be_bytes());
    assert_eq!(t.len(), 92);
    for (n, d) in [(48u32, 1u32), (51, 1), (24, 1), (2, 1), (21, 1), (8, 1)] {
        t.extend_from_slice(&n.to_be_bytes());
        t.extend_from_slice(&d.to_be_bytes());
    }
    let mut app1 = b"Exif\0\0".to_vec();
    app1.extend_from_slice(&t);
    app1
}

/// A JPEG with that EXIF block as its APP1 segment, right after the start of image.
fn with_exif(jpeg: &[u8], exif: &[u8]) -> Vec<u8> {
    let mut out = jpeg[..2].to_vec();
    out.extend_from_slice(&[0xff, 0xe1]);
    out.extend_from_slice(&((exif.len() + 2) as u16).to_be_bytes());
    out.extend_from_slice(exif);
    out.extend_from_slice(&jpeg[2..]);
    out
}

fn contains(hay: &[u8], needle: &[u8]) -> bool {
    hay.windows(needle.len()).any(|w| w == needle)
}

#[test]
fn a_photo_loses_its_gps_position_and_keeps_its_orientation() {
    let photo = with_exif(&jpeg(40, 30), &exif_with_gps());
    // The test photo does carry what must go.
    assert!(contains(&photo, b"Exif\0\0") && contains(&photo, &[0x88, 0x25]));
    let kept = reencode(&photo, &PictureRules::default()).unwrap();
    assert_eq!(kept.content_type, "image/jpeg");
    assert!(!contains(&kept.data, b"Exif"), "EXIF survived");
    assert!(!contains(&kept.data, &[0xff, 0xe1]), "an APP1 segment survived");
    assert!(!contains(&kept.data, &[0x88, 0x25]) && !contains(&kept.data, &[0, 0, 0, 48, 0, 0, 0, 1, 0, 0, 0, 51]));
    // Turned upright: 30 wide, 40 tall.
    assert_eq!((kept.width, kept.height), (30, 40));
    let again = image::load_from_memory_with_format(&kept.data, ImageFormat::Jpeg).unwrap();
    assert_eq!((again.width(), again.height()), (30, 40));
}

/// CRC-32 (ISO 3309), as PNG chunks carry it.
fn crc32(bytes: &[u8]) -> u32 {
    let mut crc = !0u32;
    for b in bytes {
        crc ^= u32::from(*b);
        for _ in 0..8 {
            crc = if crc & 1 == 1 { 0xedb8_8320 ^ (crc >> 1) } else { crc >> 1 };
        }
    }
    !crc
}

fn chunk(out: &mut Vec<u8>, kind: &[u8; 4], data: &[u8]) {
    out.extend_from_slice(&(data.len() as u32).to_be_bytes());
    let mut body = kind.to_vec();
    body.extend_from_slice(data);
    out.extend_from_slice(&body);
    out.extend_from_slice(&crc32(&body).to_be_bytes());
}

/// A zlib stream of `n` zero bytes, in a few kilobytes: one fixed-Huffman block of a literal
/// zero and then matches of 258 bytes at distance 1 (13 bits each).
fn zlib_zeros(n: usize) -> Vec<u8> {
    struct Bits {
        out: Vec<u8>,
        acc: u32,
        len: u32,
    }
    impl Bits {
        fn put(&mut self, value: u32, count: u32) {
            self.acc |= value << self.len;
            self.len += count;
            while self.len >= 8 {
                self.out.push(self.acc as u8);
                self.acc >>= 8;
                self.len -= 8;
            }
        }
        /// A Huffman code, most significant bit first.
        fn code(&mut self, code: u32, count: u32) {
            let reversed = (0..count).fold(0, |r, i| r | (((code >> i) & 1) << (count - 1 - i)));
            self.put(reversed, count);
        }
    }
    let mut b = Bits { out: vec![0x78, 0x01], acc: 0, len: 0 };
    b.put(1, 1); // the last block
    b.put(1, 2); // fixed Huffman codes
    let literal_zero = |b: &mut Bits| b.code(0x30, 8);
    literal_zero(&mut b);
    let mut left = n - 1;
    while left >= 258 {
        b.code(0xc5, 8); // length 258 (code 285)
        b.code(0, 5); // distance 1
        left -= 258;
    }
    for _ in 0..left {
        literal_zero(&mut b);
    }
    b.code(0, 7); // end of block (256)
    if b.len > 0 {
        b.put(0, 8 - b.len);
    }
    let (a, s) = (1u32, (n % 65_521) as u32);
    b.out.extend_from_slice(&((s << 16) | a).to_be_bytes());
    b.out
}

/// A grey PNG of `side` × `side` one-bit pixels, all black, with a text chunk.
fn png_zeros(side: u32) -> Vec<u8> {
    let mut png = b"\x89PNG\r\n\x1a\n".to_vec();
    let mut ihdr = Vec::new();
    ihdr.extend_from_slice(&side.to_be_bytes());
    ihdr.extend_from_slice(&side.to_be_bytes());
    ihdr.extend_from_slice(&[1, 0, 0, 0, 0]);
    chunk(&mut png, b"IHDR", &ihdr);
    chunk(&mut png, b"tEXt", b"Comment\0GPS 48.8567 N 2.3522 E");
    let row = 1 + (side as usize).div_ceil(8);
    chunk(&mut png, b"IDAT", &zlib_zeros(row * side as usize));
    chunk(&mut png, b"IEND", b"");
    png
}

#[test]
fn a_png_bomb_is_refused_from_its_header_quickly() {
    let bomb = png_zeros(10_000);
    assert!(bomb.len() < 100_000, "a bomb is small: {}", bomb.len());
    let started = Instant::now();
    let refused = reencode(&bomb, &PictureRules::default());
    assert!(
        matches!(refused, Err(PictureError::TooManyPixels(10_000, 10_000)) | Err(PictureError::TooLarge)),
        "{refused:?}"
    );
    assert!(started.elapsed() < Duration::from_millis(500), "{:?}", started.elapsed());
}

#[test]
fn a_png_keeps_its_pixels_and_loses_its_text() {
    let small = png_zeros(64);
    // The hand-made PNG is a real one.
    assert_eq!(image::load_from_memory(&small).unwrap().width(), 64);
    let kept = reencode(&small, &PictureRules::default()).unwrap();
    assert_eq!((kept.content_type, kept.width, kept.height), ("image/png", 64, 64));
    assert!(!contains(&kept.data, b"tEXt") && !contains(&kept.data, b"GPS"));
}

#[test]
fn a_large_picture_is_scaled_down_and_what_is_not_one_is_refused() {
    let rules = PictureRules { max_side: 20, ..PictureRules::default() };
    let kept = reencode(&jpeg(80, 40), &rules).unwrap();
    assert_eq!((kept.width, kept.height), (20, 10));
    for junk in [&b"<svg onload=alert(1)>"[..], b"<!doctype html><script>", b"%PDF-1.4", b""] {
        assert_eq!(reencode(junk, &rules), Err(PictureError::NotAPicture), "{junk:?}");
    }
    let truncated = &jpeg(80, 40)[..100];
    assert!(reencode(truncated, &rules).is_err());
    let huge = vec![0u8; rules.max_bytes + 1];
    assert_eq!(reencode(&huge, &rules), Err(PictureError::TooLarge));
    // A GIF comes out as a PNG.
    let mut gif = Vec::new();
    DynamicImage::ImageRgb8(RgbImage::new(4, 4)).write_to(&mut Cursor::new(&mut gif), ImageFormat::Gif).unwrap();
    assert_eq!(reencode(&gif, &rules).unwrap().content_type, "image/png");
}
