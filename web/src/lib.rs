//! What the HTTP edges of ENT's services share, so that the provider, the portal and the
//! portlets speak and store alike: [`Lang`] (French by default, English on request) with its
//! negotiation, [`CookiePolicy`] (names and flags of cookies), [`same_origin`] (what the browser
//! says of a post's origin), [`secret`] (random values, digests, constant-time comparison) and
//! [`client`] (the client's address behind trusted proxies, as per-address limits count it), and
//! [`icon`] (the ENT's icon).

pub mod client;
mod cookies;
pub mod icon;
mod lang;
mod origin;
pub mod secret;

pub use cookies::CookiePolicy;
pub use lang::Lang;
pub use origin::same_origin;
