//! The client's address: the socket's peer, unless `[app] trusted_proxies`
//! names the proxies whose `Forwarded` / `X-Forwarded-For` to believe.
//!
//! actix's `realip_remote_addr` (and Werkzeug's `ProxyFix` set too high)
//! takes the *first* address of those headers, which the client writes
//! itself: anyone could choose the address that logs and throttles see.
//! Here the chain is read from the right, the peer first: each trusted
//! proxy's word is taken for the hop before it, and the first address that
//! is not a trusted proxy is the client.

use std::net::IpAddr;

use actix_web::http::header::{HeaderMap, FORWARDED};
use actix_web::{web, HttpRequest};
use ipnet::IpNet;
use serde::{Deserialize, Deserializer};

/// The proxies whose forwarding headers are believed: addresses or CIDR
/// ranges, `[app] trusted_proxies = ["10.0.0.0/8", "127.0.0.1"]`. Empty
/// (the default) believes none: the client is the socket's peer.
///
/// ```
/// use actix_web::http::header::{HeaderMap, HeaderName, HeaderValue};
/// use ext_core::TrustedProxies;
///
/// let proxies = TrustedProxies::parse(["10.0.0.0/8"]).unwrap();
/// let mut headers = HeaderMap::new();
/// headers.insert(
///     HeaderName::from_static("x-forwarded-for"),
///     HeaderValue::from_static("6.6.6.6, 203.0.113.9, 10.1.2.3"),
/// );
/// // The proxy at 10.0.0.1 says 10.1.2.3 (another proxy) got it from
/// // 203.0.113.9; what 203.0.113.9 claims (6.6.6.6) is not believed.
/// let peer = "10.0.0.1".parse().unwrap();
/// assert_eq!(proxies.client(peer, &headers), "203.0.113.9".parse::<std::net::IpAddr>().unwrap());
/// // Without trusted proxies, the peer.
/// assert_eq!(TrustedProxies::default().client(peer, &headers), peer);
/// ```
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct TrustedProxies(Vec<IpNet>);

impl TrustedProxies {
    /// From addresses (`192.0.2.1`, `::1`) and ranges (`10.0.0.0/8`).
    pub fn parse<S: AsRef<str>>(items: impl IntoIterator<Item = S>) -> Result<Self, String> {
        items
            .into_iter()
            .map(|item| {
                let item = item.as_ref().trim();
                item.parse::<IpNet>()
                    .or_else(|_| item.parse::<IpAddr>().map(IpNet::from))
                    .map_err(|_| format!("`{item}` is not an IP address or CIDR range"))
            })
            .collect::<Result<Vec<_>, _>>()
            .map(TrustedProxies)
    }

    /// Whether none is trusted.
    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }

    fn trusts(&self, address: IpAddr) -> bool {
        let address = canonical(address);
        self.0.iter().any(|net| net.contains(&address))
    }

    /// The client behind `peer`, from the forwarding headers that trusted
    /// proxies wrote. `Forwarded` (RFC 7239) is read when present, else
    /// `X-Forwarded-For`. A hop that cannot be read stops the walk at the
    /// last trusted address.
    pub fn client(&self, peer: IpAddr, headers: &HeaderMap) -> IpAddr {
        if !self.trusts(peer) {
            return peer;
        }
        let hops = forwarded_hops(headers);
        let mut client = peer;
        for hop in hops.iter().rev() {
            match hop {
                Some(address) => {
                    client = *address;
                    if !self.trusts(*address) {
                        break;
                    }
                }
                None => break,
            }
        }
        client
    }
}

impl<'de> Deserialize<'de> for TrustedProxies {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        let items = Vec::<String>::deserialize(deserializer)?;
        TrustedProxies::parse(items).map_err(serde::de::Error::custom)
    }
}

/// An IPv4-mapped IPv6 address as the IPv4 address it is.
fn canonical(address: IpAddr) -> IpAddr {
    match address {
        IpAddr::V6(v6) => v6.to_ipv4_mapped().map_or(address, IpAddr::V4),
        IpAddr::V4(_) => address,
    }
}

/// The forwarded-for chain, oldest first; `None` for a hop that is not an
/// address (`unknown`, an obfuscated name, garbage).
fn forwarded_hops(headers: &HeaderMap) -> Vec<Option<IpAddr>> {
    let forwarded: Vec<&str> = headers
        .get_all(FORWARDED)
        .filter_map(|value| value.to_str().ok())
        .collect();
    if !forwarded.is_empty() {
        return forwarded
            .iter()
            .flat_map(|value| value.split(','))
            .map(|element| {
                element
                    .split(';')
                    .filter_map(|pair| pair.split_once('='))
                    .find(|(key, _)| key.trim().eq_ignore_ascii_case("for"))
                    .and_then(|(_, value)| node_address(value))
            })
            .collect();
    }
    headers
        .get_all("x-forwarded-for")
        .filter_map(|value| value.to_str().ok())
        .flat_map(|value| value.split(','))
        .map(node_address)
        .collect()
}

/// `192.0.2.1`, `"192.0.2.1:4711"`, `"[2001:db8::1]:4711"`, `2001:db8::1`.
fn node_address(node: &str) -> Option<IpAddr> {
    let node = node.trim().trim_matches('"');
    if let Ok(address) = node.parse::<IpAddr>() {
        return Some(canonical(address));
    }
    let host = match node.strip_prefix('[') {
        Some(rest) => rest.split_once(']')?.0,
        None => node.rsplit_once(':')?.0,
    };
    host.parse::<IpAddr>().ok().map(canonical)
}

/// The client's address of `req` (see [`TrustedProxies`]); `None` only for
/// a request without a peer (a test request).
pub fn client_ip(req: &HttpRequest) -> Option<IpAddr> {
    let peer = req.peer_addr()?.ip();
    Some(match req.app_data::<web::Data<TrustedProxies>>() {
        Some(proxies) => proxies.client(canonical(peer), req.headers()),
        None => canonical(peer),
    })
}

#[cfg(test)]
mod tests {
    use super::{node_address, TrustedProxies};
    use actix_web::http::header::{HeaderMap, HeaderName, HeaderValue};
    use std::net::IpAddr;

    fn ip(text: &str) -> IpAddr {
        text.parse().unwrap_or_else(|_| panic!("{text}"))
    }

    fn headers(pairs: &[(&'static str, &'static str)]) -> HeaderMap {
        let mut map = HeaderMap::new();
        for (name, value) in pairs {
            map.append(HeaderName::from_static(name), HeaderValue::from_static(value));
        }
        map
    }

    #[test]
    fn the_chain_is_read_from_the_right() {
        let proxies = TrustedProxies::parse(["10.0.0.0/8", "::1"]).unwrap_or_default();
        let spoofed = headers(&[("x-forwarded-for", "1.2.3.4, 198.51.100.7")]);
        // An untrusted peer: its headers mean nothing.
        assert_eq!(proxies.client(ip("198.51.100.99"), &spoofed), ip("198.51.100.99"));
        // A trusted peer: the hop it saw, not what the client wrote first.
        assert_eq!(proxies.client(ip("10.0.0.1"), &spoofed), ip("198.51.100.7"));
        // Every hop trusted: the oldest.
        let inner = headers(&[("x-forwarded-for", "10.9.9.9, 10.1.1.1")]);
        assert_eq!(proxies.client(ip("::1"), &inner), ip("10.9.9.9"));
        // A hop that is not an address stops at the last trusted one.
        let garbage = headers(&[("x-forwarded-for", "1.2.3.4, bogus, 10.1.1.1")]);
        assert_eq!(proxies.client(ip("10.0.0.1"), &garbage), ip("10.1.1.1"));
        // No header: the peer.
        assert_eq!(proxies.client(ip("10.0.0.1"), &HeaderMap::new()), ip("10.0.0.1"));
        // Several header lines are one list, in order.
        let split = headers(&[("x-forwarded-for", "1.2.3.4"), ("x-forwarded-for", "203.0.113.5")]);
        assert_eq!(proxies.client(ip("10.0.0.1"), &split), ip("203.0.113.5"));
    }

    #[test]
    fn forwarded_wins_and_its_forms_are_read() {
        let proxies = TrustedProxies::parse(["10.0.0.0/8"]).unwrap_or_default();
        let both = headers(&[
            ("forwarded", "for=1.2.3.4, for=\"[2001:db8::7]:4711\";proto=https"),
            ("x-forwarded-for", "203.0.113.1"),
        ]);
        assert_eq!(proxies.client(ip("10.0.0.1"), &both), ip("2001:db8::7"));
        assert_eq!(node_address("\"192.0.2.60:8080\""), Some(ip("192.0.2.60")));
        assert_eq!(node_address("unknown"), None);
        assert_eq!(node_address("_hidden"), None);
        assert_eq!(node_address("::ffff:10.1.2.3"), Some(ip("10.1.2.3")));
    }

    #[test]
    fn bad_entries_are_named() {
        assert_eq!(
            TrustedProxies::parse(["10.0.0.0/8", "proxy.local"]),
            Err("`proxy.local` is not an IP address or CIDR range".to_owned())
        );
        assert!(TrustedProxies::parse(["192.0.2.1", "2001:db8::/32"]).is_ok());
    }
}
