//! Which addresses a webhook may reach. A webhook URL is chosen by an account, so without this
//! check it could make the server call its own loopback or private network (SSRF). The check
//! runs in the HTTP client's resolver: the address checked is the address connected to, so a
//! name that resolves differently on a second lookup cannot slip through.

use std::net::{IpAddr, Ipv4Addr, SocketAddr};

use reqwest::dns::{Addrs, Name, Resolve, Resolving};

/// True for addresses on the public internet; false for loopback, private, link-local,
/// shared (CGNAT), multicast, documentation and other reserved ranges.
pub fn is_public(ip: IpAddr) -> bool {
    match ip {
        IpAddr::V4(v4) => is_public_v4(v4),
        IpAddr::V6(v6) => {
            if let Some(v4) = v6.to_ipv4_mapped() {
                return is_public_v4(v4);
            }
            let s = v6.segments();
            let embedded = |hi: u16, lo: u16| {
                let [a, b] = hi.to_be_bytes();
                let [c, d] = lo.to_be_bytes();
                Ipv4Addr::new(a, b, c, d)
            };
            // Forms that carry an IPv4 address a relay or the host's own stack may deliver
            // to: NAT64 (64:ff9b::/96) in its last 32 bits, 6to4 (2002::/16) in bits 16-48.
            if s[..6] == [0x64, 0xff9b, 0, 0, 0, 0] {
                return is_public_v4(embedded(s[6], s[7]));
            }
            if s[0] == 0x2002 {
                return is_public_v4(embedded(s[1], s[2]));
            }
            !(v6.is_loopback()
                || v6.is_unspecified()
                || v6.is_multicast()
                || s[..6] == [0; 6] // IPv4-compatible (::a.b.c.d), deprecated
                || (s[0] == 0x64 && s[1] == 0xff9b && s[2] == 1) // local-use NAT64 (64:ff9b:1::/48)
                || (s[0] == 0x2001 && s[1] == 0) // Teredo, whose IPv4 end is hidden
                || s[..4] == [0x100, 0, 0, 0] // discard-only
                || (s[0] & 0xfe00) == 0xfc00 // unique local
                || (s[0] & 0xffc0) == 0xfe80 // link-local
                || (s[0] & 0xffc0) == 0xfec0 // site-local (deprecated)
                || (s[0] == 0x2001 && s[1] == 0x0db8)) // documentation
        }
    }
}

fn is_public_v4(v4: Ipv4Addr) -> bool {
    let [a, b, c, _] = v4.octets();
    !(v4.is_loopback()
        || v4.is_private()
        || v4.is_link_local()
        || v4.is_unspecified()
        || v4.is_broadcast()
        || v4.is_multicast()
        || v4.is_documentation()
        || a == 0
        || (a == 100 && (64..128).contains(&b)) // shared address space (CGNAT)
        || (a == 192 && b == 0 && c == 0) // IETF protocol assignments
        || (a == 198 && (b == 18 || b == 19)) // benchmarking
        || a >= 240) // reserved
}

/// Why a webhook URL was refused before any connection.
pub fn refusal(host: &str) -> String {
    format!(
        "{host} is a loopback or private address; webhooks go to public addresses unless \
         SIGNET_WEBHOOK_ALLOW_PRIVATE=true"
    )
}

/// The host of `url` when it names a non-public address outright (an IP literal or
/// `localhost`), so a workflow can be refused when it is stored rather than fail at its first
/// webhook. Names that resolve to such addresses are caught when sending.
pub fn private_literal_host(url: &str) -> Option<String> {
    let host = reqwest::Url::parse(url)
        .ok()?
        .host_str()?
        .to_ascii_lowercase();
    let bare = host.trim_start_matches('[').trim_end_matches(']');
    let private = match bare.parse::<IpAddr>() {
        Ok(ip) => !is_public(ip),
        Err(_) => bare == "localhost" || bare.ends_with(".localhost"),
    };
    private.then_some(host)
}

/// The system resolver, refusing names that resolve to a non-public address.
pub struct PublicOnly;

impl Resolve for PublicOnly {
    fn resolve(&self, name: Name) -> Resolving {
        Box::pin(async move {
            let host = name.as_str().to_string();
            let addrs: Vec<SocketAddr> =
                tokio::net::lookup_host((host.as_str(), 0)).await?.collect();
            // All or nothing: a name with one private address among public ones is refused.
            if addrs.is_empty() || addrs.iter().any(|a| !is_public(a.ip())) {
                return Err(refusal(&host).into());
            }
            Ok(Box::new(addrs.into_iter()) as Addrs)
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn private_and_reserved_addresses_are_refused() {
        for a in [
            "127.0.0.1",
            "10.1.2.3",
            "172.16.0.1",
            "192.168.1.1",
            "169.254.169.254",
            "100.64.0.1",
            "0.0.0.0",
            "255.255.255.255",
            "224.0.0.1",
            "::1",
            "::",
            "fd00::1",
            "fe80::1",
            "::ffff:127.0.0.1",
            "::ffff:10.0.0.1",
            "64:ff9b::a00:1",
            "::127.0.0.1",
            "::10.0.0.1",
            "::8.8.8.8",
            "2002:7f00:1::",
            "2002:a00:1::1",
            "2002:c0a8:101::",
            "64:ff9b:1::808:808",
            "2001:0:4136:e378::1",
            "100::1",
            "febf::1",
        ] {
            assert!(!is_public(a.parse().unwrap()), "{a} must be refused");
        }
    }

    #[test]
    fn literal_private_hosts_are_named() {
        assert_eq!(
            private_literal_host("http://127.0.0.1:9/x").as_deref(),
            Some("127.0.0.1")
        );
        assert_eq!(
            private_literal_host("https://[::1]/x").as_deref(),
            Some("[::1]")
        );
        assert_eq!(
            private_literal_host("http://LocalHost/x").as_deref(),
            Some("localhost")
        );
        assert_eq!(private_literal_host("https://hooks.example.com/x"), None);
        assert_eq!(private_literal_host("https://8.8.8.8/x"), None);
    }

    #[test]
    fn public_addresses_pass() {
        for a in [
            "93.184.216.34",
            "8.8.8.8",
            "2606:4700::1111",
            "::ffff:8.8.8.8",
            "64:ff9b::808:808",
            "2002:808:808::1",
        ] {
            assert!(is_public(a.parse().unwrap()), "{a} is public");
        }
    }
}
