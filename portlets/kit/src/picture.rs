//! Pictures people send for others to see (a pupil's page, a forum post): decoded within
//! limits, then encoded again from their pixels alone, so that what is kept is a plain picture
//! and nothing else — no EXIF (a child's photo carries no GPS position), no comment, no colour
//! profile, no trailing bytes, no second image hidden in the file.
//!
//! A decompression bomb (a few kilobytes that say 10,000 × 10,000) is refused from its header,
//! before any pixel is decoded: width and height are bounded, and so is what the decoder may
//! allocate (`image::Limits`). The photo's orientation (EXIF) is applied to the pixels before
//! the metadata goes, so that a phone's portrait stays upright. A picture larger than
//! [`PictureRules::max_side`] is scaled down. JPEG comes out as JPEG; PNG, GIF (its first frame)
//! and WebP as PNG.

use std::io::Cursor;

use image::codecs::jpeg::JpegEncoder;
use image::imageops::FilterType;
use image::{DynamicImage, ImageDecoder, ImageFormat, ImageReader, Limits};

/// What a portlet accepts and keeps.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct PictureRules {
    /// The largest file read, in bytes.
    pub max_bytes: usize,
    /// The widest and tallest picture decoded, in pixels: a larger one is refused.
    pub max_pixels_side: u32,
    /// What the decoder may allocate, in bytes.
    pub max_alloc: u64,
    /// The longest side kept, in pixels: a larger picture is scaled down to it.
    pub max_side: u32,
    /// JPEG quality of what is kept (1–100).
    pub jpeg_quality: u8,
}

impl Default for PictureRules {
    /// Photos from a phone or a camera (up to 8,000 pixels a side, 10 MB), kept at 1,600 pixels.
    fn default() -> Self {
        PictureRules {
            max_bytes: 10 * 1024 * 1024,
            max_pixels_side: 8_000,
            max_alloc: 256 * 1024 * 1024,
            max_side: 1_600,
            jpeg_quality: 85,
        }
    }
}

/// A picture encoded again.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Picture {
    pub data: Vec<u8>,
    /// `image/png` or `image/jpeg`.
    pub content_type: &'static str,
    pub width: u32,
    pub height: u32,
}

/// Why a file was not kept as a picture.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
pub enum PictureError {
    #[error("not a picture of an accepted kind (PNG, JPEG, GIF, WebP)")]
    NotAPicture,
    #[error("the file is larger than allowed")]
    TooLarge,
    #[error("the picture is larger than allowed ({0} × {1} pixels)")]
    TooManyPixels(u32, u32),
    #[error("the picture cannot be read: {0}")]
    Broken(String),
}

/// Decodes `bytes` under `rules` and encodes the pixels again.
pub fn reencode(bytes: &[u8], rules: &PictureRules) -> Result<Picture, PictureError> {
    if bytes.len() > rules.max_bytes {
        return Err(PictureError::TooLarge);
    }
    let reader = ImageReader::new(Cursor::new(bytes)).with_guessed_format().map_err(|_| PictureError::NotAPicture)?;
    let format = match reader.format() {
        Some(f @ (ImageFormat::Png | ImageFormat::Jpeg | ImageFormat::Gif | ImageFormat::WebP)) => f,
        _ => return Err(PictureError::NotAPicture),
    };
    let mut limits = Limits::default();
    limits.max_image_width = Some(rules.max_pixels_side);
    limits.max_image_height = Some(rules.max_pixels_side);
    limits.max_alloc = Some(rules.max_alloc);
    let mut reader = reader;
    reader.limits(limits);
    let mut decoder = reader.into_decoder().map_err(refusal)?;
    // The header is read: refuse a bomb before a single pixel is decoded.
    let (w, h) = decoder.dimensions();
    if w > rules.max_pixels_side || h > rules.max_pixels_side {
        return Err(PictureError::TooManyPixels(w, h));
    }
    let orientation = decoder.orientation().map_err(refusal)?;
    let mut pixels = DynamicImage::from_decoder(decoder).map_err(refusal)?;
    pixels.apply_orientation(orientation);
    if pixels.width() > rules.max_side || pixels.height() > rules.max_side {
        pixels = pixels.resize(rules.max_side, rules.max_side, FilterType::Triangle);
    }
    let mut out = Vec::new();
    let content_type = if format == ImageFormat::Jpeg {
        let rgb = DynamicImage::ImageRgb8(pixels.to_rgb8());
        JpegEncoder::new_with_quality(&mut out, rules.jpeg_quality.clamp(1, 100))
            .encode_image(&rgb)
            .map_err(|e| PictureError::Broken(e.to_string()))?;
        "image/jpeg"
    } else {
        pixels
            .write_to(&mut Cursor::new(&mut out), ImageFormat::Png)
            .map_err(|e| PictureError::Broken(e.to_string()))?;
        "image/png"
    };
    Ok(Picture { data: out, content_type, width: pixels.width(), height: pixels.height() })
}

fn refusal(e: image::ImageError) -> PictureError {
    match e {
        image::ImageError::Limits(_) => PictureError::TooLarge,
        image::ImageError::Unsupported(_) => PictureError::NotAPicture,
        other => PictureError::Broken(other.to_string()),
    }
}
