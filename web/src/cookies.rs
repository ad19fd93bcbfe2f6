//! Cookies with their flags: `HttpOnly` and `Path=/` always; behind https the `__Host-` prefix
//! and `Secure`, which pin a cookie to this exact origin (a sibling host or port cannot plant
//! one); the `SameSite` each use needs.

use axum::http::{HeaderMap, HeaderValue, header};

/// How a service writes its cookies (`secure`: it is served over https).
#[derive(Clone, Copy, Debug)]
pub struct CookiePolicy {
    pub secure: bool,
}

impl CookiePolicy {
    pub fn name(&self, base: &str) -> String {
        if self.secure { format!("__Host-{base}") } else { base.to_string() }
    }

    /// A `Set-Cookie` value: HttpOnly, Path=/, the given SameSite, Secure behind https.
    pub fn set(&self, base: &str, value: &str, same_site: &str, max_age: Option<i64>) -> HeaderValue {
        let mut c = format!("{}={value}; Path=/; HttpOnly; SameSite={same_site}", self.name(base));
        if let Some(age) = max_age {
            c.push_str(&format!("; Max-Age={age}"));
        }
        if self.secure {
            c.push_str("; Secure");
        }
        HeaderValue::from_str(&c).unwrap_or_else(|_| HeaderValue::from_static("invalid=; Max-Age=0"))
    }

    pub fn clear(&self, base: &str) -> HeaderValue {
        self.set(base, "", "Lax", Some(0))
    }

    /// The value of one of our cookies in a request.
    pub fn get(&self, headers: &HeaderMap, base: &str) -> Option<String> {
        let name = self.name(base);
        headers
            .get_all(header::COOKIE)
            .iter()
            .filter_map(|v| v.to_str().ok())
            .flat_map(|v| v.split(';'))
            .filter_map(|pair| pair.trim().split_once('='))
            .find(|(k, _)| *k == name)
            .map(|(_, v)| v.to_string())
            .filter(|v| !v.is_empty())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn https_cookies_are_host_prefixed_and_secure() {
        let p = CookiePolicy { secure: true };
        let v = p.set("ent_session", "abc", "Lax", Some(60)).to_str().unwrap().to_string();
        assert_eq!(v, "__Host-ent_session=abc; Path=/; HttpOnly; SameSite=Lax; Max-Age=60; Secure");
        let mut h = HeaderMap::new();
        h.insert(header::COOKIE, "ent_session=plain; __Host-ent_session=abc".parse().unwrap());
        assert_eq!(p.get(&h, "ent_session").as_deref(), Some("abc"));
        // Over plain http (the localhost demo) the prefix and Secure would make browsers drop it.
        let plain = CookiePolicy { secure: false };
        let v = plain.set("ent_session", "abc", "Lax", None).to_str().unwrap().to_string();
        assert_eq!(v, "ent_session=abc; Path=/; HttpOnly; SameSite=Lax");
        assert_eq!(plain.get(&h, "ent_session").as_deref(), Some("plain"));
    }
}
