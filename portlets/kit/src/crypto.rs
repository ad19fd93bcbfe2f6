//! The JWT library's cryptography: aws-lc-rs, as everywhere else in ENT. Installed once per
//! process, before the first verification, so that the choice never depends on which other
//! crates of the build enable which backend.

use std::sync::Once;

pub(crate) fn install() {
    static ONCE: Once = Once::new();
    ONCE.call_once(|| {
        // An earlier installation (by another library of the process) stands: it is a provider too.
        let _ = jsonwebtoken::crypto::aws_lc::DEFAULT_PROVIDER.install_default();
    });
}
