//! The numbers that keep a stolen account from mass-mailing: recipients per message, sending
//! rates (token buckets shared by every instance), what counts as a broadcast, how young a
//! session may be before its first broadcast is reviewed, how recent a sign-in a broadcast needs;
//! and the files a message may carry. docs/portlet-messaging.md lists them with their reasons.

use ent_portlet_kit::Profile;
use ent_portlet_kit::upload::FileRules;
use ent_storage::bucket::Rate;

/// The most recipients one message may reach, by the sender's profile.
pub fn max_recipients(profile: Profile) -> usize {
    match profile {
        Profile::Pupil => 30,
        Profile::Parent => 10,
        Profile::Teacher | Profile::Staff => 400,
        Profile::Director => 1000,
        Profile::CityAgent => 100,
        Profile::Admin => 200,
    }
}

/// A sender's rate, in deliveries (one message to 25 people costs 25): the burst and the refill
/// per hour.
pub fn sender_rate(profile: Profile) -> Rate {
    match profile {
        Profile::Pupil => Rate { capacity: 40, per_hour: 40 },
        Profile::Parent => Rate { capacity: 30, per_hour: 30 },
        Profile::Teacher | Profile::Staff => Rate { capacity: 1200, per_hour: 600 },
        Profile::Director => Rate { capacity: 3000, per_hour: 1500 },
        Profile::CityAgent => Rate { capacity: 300, per_hour: 150 },
        Profile::Admin => Rate { capacity: 600, per_hour: 300 },
    }
}

/// A school's rate, in deliveries, whoever sends: what a handful of stolen accounts together
/// may send before everything else from the school waits for review.
pub const SCHOOL_RATE: Rate = Rate { capacity: 6000, per_hour: 3000 };

/// A message to more people than this is a broadcast.
pub const BROADCAST_OVER: usize = 10;

/// A session younger than this has its first broadcast reviewed.
pub const YOUNG_SESSION_SECS: i64 = 3600;

/// A broadcast needs a sign-in at most this old (seconds); older, the portal asks for the
/// password again. Pupils are not asked: their broadcasts are always reviewed.
pub const BROADCAST_AUTH_MAX_AGE: i64 = 900;

/// Files on one message.
pub const FILES: FileRules = FileRules { max_bytes: 10 * 1024 * 1024, max_files: 5 };

/// The bytes of attachments one person may keep, by profile.
pub fn quota(profile: Profile) -> i64 {
    match profile {
        Profile::Pupil => 20 * 1024 * 1024,
        _ => 100 * 1024 * 1024,
    }
}

/// Content types a pupil may not attach: programs and video.
pub fn refused_for_pupils(content_type: &str, name: &str) -> bool {
    let ct = content_type.to_ascii_lowercase();
    let ext = name.rsplit_once('.').map(|(_, e)| e.to_ascii_lowercase()).unwrap_or_default();
    ct.starts_with("video/")
        || matches!(
            ct.as_str(),
            "application/x-msdownload"
                | "application/x-executable"
                | "application/x-elf"
                | "application/x-mach-binary"
                | "application/vnd.microsoft.portable-executable"
                | "application/x-sh"
                | "application/java-archive"
        )
        || matches!(
            ext.as_str(),
            "exe"
                | "msi"
                | "bat"
                | "cmd"
                | "com"
                | "scr"
                | "ps1"
                | "vbs"
                | "js"
                | "jar"
                | "sh"
                | "app"
                | "apk"
                | "dll"
                | "mp4"
                | "mov"
                | "avi"
                | "mkv"
                | "webm"
                | "wmv"
                | "flv"
                | "m4v"
                | "mpg"
                | "mpeg"
        )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn pupils_attach_no_program_and_no_video() {
        for (ct, name) in [
            ("application/octet-stream", "jeu.exe"),
            ("video/mp4", "clip.bin"),
            ("application/octet-stream", "film.MKV"),
            ("application/x-msdownload", "x"),
        ] {
            assert!(refused_for_pupils(ct, name), "{ct} {name}");
        }
        assert!(!refused_for_pupils("image/png", "dessin.png"));
        assert!(!refused_for_pupils("application/pdf", "exposé.pdf"));
    }

    #[test]
    fn the_caps_are_the_documented_ones() {
        assert_eq!((max_recipients(Profile::Pupil), max_recipients(Profile::Parent)), (30, 10));
        assert_eq!(max_recipients(Profile::Teacher), 400);
        assert!(BROADCAST_OVER < max_recipients(Profile::Pupil));
    }
}
