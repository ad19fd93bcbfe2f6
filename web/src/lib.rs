//! What the HTTP edges of ENT's services share, so that the provider, the portal and the
//! portlets speak and store alike: [`Lang`] (French by default, English on request) with its
//! negotiation, and [`CookiePolicy`] (names and flags of cookies).

mod cookies;
mod lang;

pub use cookies::CookiePolicy;
pub use lang::Lang;
