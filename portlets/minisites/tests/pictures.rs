//! A site's pictures: sent by its writers through the form, kept without their metadata (a
//! photo's GPS position does not survive), refused when they are not pictures or are bombs,
//! and served only on the sites' origin under the site's path, with the site's link.
#![allow(clippy::unwrap_used)]

mod common;

use std::time::{Duration, Instant};

use common::{harness, open_link, site_a1};
use ent_portlet_kit::storage::both_backends;
use ent_portlet_kit::testing::{Harness, TestFile};
use ent_portlet_kit::{Db, Identity};
use ent_portlet_minisites::model::SiteId;
use ent_portlet_minisites::{MIGRATIONS, Store};
use image::codecs::jpeg::JpegEncoder;
use image::{DynamicImage, RgbImage};

/// A 40 × 30 JPEG with an EXIF block naming a GPS position (48° 51' 24" N).
fn photo_with_gps() -> Vec<u8> {
    let img = DynamicImage::ImageRgb8(RgbImage::from_fn(40, 30, |x, y| image::Rgb([x as u8 * 6, y as u8 * 8, 120])));
    let mut jpeg = Vec::new();
    JpegEncoder::new_with_quality(&mut jpeg, 90).encode_image(&img).unwrap();
    let mut tiff = b"MM\0\x2a\0\0\0\x08".to_vec();
    tiff.extend_from_slice(&[0, 1, 0x88, 0x25, 0, 4, 0, 0, 0, 1, 0, 0, 0, 26, 0, 0, 0, 0]);
    tiff.extend_from_slice(&[
        0, 2, 0, 1, 0, 2, 0, 0, 0, 2, b'N', 0, 0, 0, 0, 2, 0, 5, 0, 0, 0, 3, 0, 0, 0, 56, 0, 0, 0, 0,
    ]);
    for n in [48u32, 1, 51, 1, 24, 1] {
        tiff.extend_from_slice(&n.to_be_bytes());
    }
    let mut exif = b"Exif\0\0".to_vec();
    exif.extend_from_slice(&tiff);
    let mut out = jpeg[..2].to_vec();
    out.extend_from_slice(&[0xff, 0xe1]);
    out.extend_from_slice(&((exif.len() + 2) as u16).to_be_bytes());
    out.extend_from_slice(&exif);
    out.extend_from_slice(&jpeg[2..]);
    out
}

/// The header of a 10,000 × 10,000 PNG: what a bomb says before its pixels.
fn png_bomb() -> Vec<u8> {
    let mut png = b"\x89PNG\r\n\x1a\n\0\0\0\x0dIHDR".to_vec();
    png.extend_from_slice(&10_000u32.to_be_bytes());
    png.extend_from_slice(&10_000u32.to_be_bytes());
    png.extend_from_slice(&[8, 2, 0, 0, 0, 0, 0, 0, 0]);
    png
}

fn contains(hay: &[u8], needle: &[u8]) -> bool {
    hay.windows(needle.len()).any(|w| w == needle)
}

async fn send(
    h: &Harness,
    who: &Identity,
    site: &SiteId,
    name: &str,
    data: Vec<u8>,
) -> ent_portlet_kit::testing::Answer {
    let file = TestFile { field: "picture", file_name: name.into(), content_type: "image/jpeg", data };
    h.post_multipart(who, &format!("/view/s/{site}/pictures"), &[], &[file]).await
}

async fn only_picture(db: &Db, site: &SiteId) -> String {
    let pictures = Store::new(db.clone()).pictures(site).await.unwrap();
    assert_eq!(pictures.len(), 1);
    pictures[0].id.to_string()
}

both_backends!(MIGRATIONS; a_pupils_photo_loses_its_gps_position_and_shows_on_the_site, |db| async move {
    let h = harness(db.clone());
    let n = &h.net;
    let site = site_a1(&h, "Journal").await;
    let photo = photo_with_gps();
    assert!(contains(&photo, b"Exif") && contains(&photo, &[0x88, 0x25]));
    let sent = send(&h, &n.pupil_a1, &site, "C:\\Photos\\sortie.jpg", photo).await;
    assert_eq!(sent.status, 303, "{}", sent.body);
    let id = only_picture(&db, &site).await;
    let (meta, kept) = Store::new(db.clone()).picture(&site, &id.parse().unwrap()).await.unwrap().unwrap();
    assert_eq!((meta.name.as_str(), meta.content_type.as_str()), ("sortie.jpg", "image/jpeg"));
    assert!(!contains(&kept, b"Exif") && !contains(&kept, &[0x88, 0x25]) && !contains(&kept, &[0xff, 0xe1]));
    // The writers are told how to show it.
    let listed = h.get(&n.teacher_a1, &format!("/view/s/{site}")).await;
    assert!(listed.body.contains(&format!("![sortie.jpg](img/{id})")), "{}", listed.body);
    // A page shows it on the site, from the site's own path; the picture too is behind the link.
    let p = common::page(&h, &n.teacher_a1, &site, "Sortie", &format!("![Notre sortie](img/{id})")).await;
    let link = open_link(&h, &n.parent_a1, &site).await;
    let page = h.get_origin(&format!("{link}{p}")).await;
    assert!(page.body.contains(&format!("<img src=\"img/{id}\" alt=\"Notre sortie\"")), "{}", page.body);
    let served = h.get_origin(&format!("{link}img/{id}")).await;
    assert_eq!(served.status, 200);
    assert_eq!(served.headers["content-type"], "image/jpeg");
    assert_eq!(served.headers["x-content-type-options"], "nosniff");
    assert!(served.headers.get("set-cookie").is_none());
    assert!(!contains(&served.bytes, b"Exif"));
    // Not from another site's path, not without the link, not once it has expired.
    let other = site_a1(&h, "Autre").await;
    let other_link = open_link(&h, &n.parent_a1, &other).await;
    assert_eq!(h.get_origin(&format!("{other_link}img/{id}")).await.status, 404);
    assert_eq!(h.get_origin(&format!("/s/{site}/pub/img/{id}")).await.status, 403);
    // In the ENT, the page names the picture but loads nothing from the sites' origin.
    let ent = h.get(&n.parent_a1, &format!("/view/p/{p}")).await;
    assert!(ent.body.contains("Notre sortie") && !ent.body.contains("<img"), "{}", ent.body);
    h.clock.advance(601);
    assert_eq!(h.get_origin(&format!("{link}img/{id}")).await.status, 403);
});

both_backends!(MIGRATIONS; bombs_and_other_files_are_refused, |db| async move {
    let h = harness(db.clone());
    let n = &h.net;
    let site = site_a1(&h, "Journal").await;
    let started = Instant::now();
    let bomb = send(&h, &n.pupil_a1, &site, "bombe.png", png_bomb()).await;
    assert!(started.elapsed() < Duration::from_secs(2), "{:?}", started.elapsed());
    assert_eq!(bomb.status, 422);
    assert!(bomb.body.contains("pas une image acceptée"), "{}", bomb.body);
    h.assert_fragment_rules(&bomb.body);
    let svg = send(&h, &n.pupil_a1, &site, "x.svg", b"<svg xmlns=\"http://www.w3.org/2000/svg\" onload=\"alert(1)\"/>".to_vec()).await;
    assert_eq!(svg.status, 422);
    let none = h.post_multipart(&n.pupil_a1, &format!("/view/s/{site}/pictures"), &[], &[]).await;
    assert_eq!(none.status, 422);
    assert!(Store::new(db.clone()).pictures(&site).await.unwrap().is_empty());
    // Those who do not write the site send nothing.
    assert_eq!(send(&h, &n.parent_a1, &site, "a.jpg", photo_with_gps()).await.status, 403);
    assert_eq!(send(&h, &n.pupil_a2, &site, "a.jpg", photo_with_gps()).await.status, 404);
    assert_eq!(send(&h, &n.staff_a, &site, "a.jpg", photo_with_gps()).await.status, 403);
});
