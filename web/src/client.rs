//! The client's address, as the per-address limits of the provider and the portal count it:
//! the TCP peer's, or behind trusted reverse proxies the one the outermost of them saw.

use std::net::{IpAddr, SocketAddr};

use axum::extract::{ConnectInfo, FromRequestParts};
use axum::http::HeaderMap;
use axum::http::request::Parts;

/// The TCP peer's address, when the server was started with connect info (absent in
/// in-process router tests).
pub struct PeerAddr(pub Option<IpAddr>);

impl<S: Send + Sync> FromRequestParts<S> for PeerAddr {
    type Rejection = std::convert::Infallible;
    async fn from_request_parts(parts: &mut Parts, _: &S) -> Result<Self, Self::Rejection> {
        Ok(PeerAddr(parts.extensions.get::<ConnectInfo<SocketAddr>>().map(|c| c.0.ip())))
    }
}

/// The client's address. With no trusted reverse proxy (`hops` = 0) it is the TCP peer's. Behind
/// `hops` proxies, each appending to `X-Forwarded-For` the address it received the request from,
/// it is the `hops`-th value counted from the right: the one the outermost trusted proxy wrote.
/// Values further left were written by the client itself and prove nothing. A list shorter than
/// `hops` came through fewer proxies: its leftmost value was still written by one of ours. An
/// unreadable value gives the peer's address (never no address: that would escape the limits).
pub fn client_address(hops: usize, peer: Option<IpAddr>, headers: &HeaderMap) -> Option<IpAddr> {
    if hops == 0 {
        return peer;
    }
    let hops_seen: Vec<&str> = headers
        .get_all("x-forwarded-for")
        .iter()
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| v.split(','))
        .map(str::trim)
        .filter(|v| !v.is_empty())
        .collect();
    let Some(value) = hops_seen.len().checked_sub(hops).map_or(hops_seen.first(), |i| hops_seen.get(i)) else {
        return peer;
    };
    parse_hop(value).or(peer)
}

/// One `X-Forwarded-For` value: an address, perhaps with a port (`192.0.2.1:443`, `[2001:db8::1]:443`).
fn parse_hop(v: &str) -> Option<IpAddr> {
    v.parse::<IpAddr>().ok().or_else(|| v.parse::<SocketAddr>().ok().map(|s| s.ip()))
}

/// What the per-address limits count: an IPv4 address, or the /64 network of an IPv6 address (one
/// household or one attacker's machine holds a whole /64, and would otherwise have 2^64 counters).
pub fn address_key(ip: IpAddr) -> String {
    match ip {
        IpAddr::V4(v4) => v4.to_string(),
        IpAddr::V6(v6) => match v6.to_ipv4_mapped() {
            Some(v4) => v4.to_string(),
            None => {
                let s = v6.segments();
                format!("{:x}:{:x}:{:x}:{:x}::/64", s[0], s[1], s[2], s[3])
            }
        },
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use axum::http::HeaderValue;

    fn forwarded(values: &[&str]) -> HeaderMap {
        let mut h = HeaderMap::new();
        for v in values {
            h.append("x-forwarded-for", HeaderValue::from_str(v).expect("header"));
        }
        h
    }

    fn ip(s: &str) -> IpAddr {
        s.parse().expect("ip")
    }

    #[test]
    fn without_trusted_proxies_the_header_is_ignored() {
        let peer = Some(ip("192.0.2.10"));
        assert_eq!(client_address(0, peer, &forwarded(&["203.0.113.9"])), peer);
        assert_eq!(client_address(0, None, &forwarded(&["203.0.113.9"])), None);
    }

    #[test]
    fn the_address_is_counted_from_the_right() {
        let peer = Some(ip("10.0.0.2"));
        // The client wrote 203.0.113.9 itself; our one proxy appended what it saw.
        let spoofed = forwarded(&["203.0.113.9, 198.51.100.7"]);
        assert_eq!(client_address(1, peer, &spoofed), Some(ip("198.51.100.7")));
        // Two proxies: the outer one wrote the client's address, the inner one the outer's.
        let two = forwarded(&["203.0.113.9, 198.51.100.7, 10.0.0.1"]);
        assert_eq!(client_address(2, peer, &two), Some(ip("198.51.100.7")));
        // Several headers are one list, in order.
        let split = forwarded(&["203.0.113.9", "198.51.100.7", "10.0.0.1"]);
        assert_eq!(client_address(2, peer, &split), Some(ip("198.51.100.7")));
        // Fewer values than proxies: the leftmost was still written by one of ours.
        assert_eq!(client_address(2, peer, &forwarded(&["198.51.100.7"])), Some(ip("198.51.100.7")));
        // No header, or an unreadable value: the peer.
        assert_eq!(client_address(1, peer, &HeaderMap::new()), peer);
        assert_eq!(client_address(1, peer, &forwarded(&["1.2.3.4, unknown"])), peer);
        // Ports are dropped.
        assert_eq!(client_address(1, peer, &forwarded(&["[2001:db8::1]:443"])), Some(ip("2001:db8::1")));
        assert_eq!(client_address(1, peer, &forwarded(&["198.51.100.7:8443"])), Some(ip("198.51.100.7")));
    }

    #[test]
    fn ipv6_addresses_count_per_network() {
        assert_eq!(address_key(ip("2001:db8:1:2:aaaa::1")), address_key(ip("2001:db8:1:2:bbbb::2")));
        assert_ne!(address_key(ip("2001:db8:1:2::1")), address_key(ip("2001:db8:1:3::1")));
        assert_eq!(address_key(ip("::ffff:192.0.2.1")), "192.0.2.1");
        assert_eq!(address_key(ip("192.0.2.1")), "192.0.2.1");
    }
}
