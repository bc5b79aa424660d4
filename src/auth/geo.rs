//! Roughly where an address is ("near Lyon, France"), from a GeoIP2 / GeoLite2 City
//! database the operator provides (`geoip_database`). Nothing is shipped or
//! downloaded: without a database, no place is guessed. Shown to a person about
//! to approve a device, so that a request from the other side of the world stands
//! out (the cross-device BCP's request metadata, §6.1.14).

use std::net::IpAddr;
use std::path::Path;

use maxminddb::{Reader, geoip2};

/// The operator's database, if any.
pub(crate) struct GeoIp(Option<Reader<Vec<u8>>>);

impl GeoIp {
    /// Opens the database at `path`; none without a path.
    pub(crate) fn open(path: Option<&Path>) -> Result<Self, String> {
        let Some(path) = path else {
            return Ok(Self(None));
        };
        Reader::open_readfile(path)
            .map(|reader| Self(Some(reader)))
            .map_err(|e| format!("cannot read {}: {e}", path.display()))
    }

    /// "near Lyon, France", or "in France" without a city; `None` when the
    /// database has nothing for the address (private ranges, loopback) or there is
    /// no database.
    pub(crate) fn place(&self, ip: IpAddr) -> Option<String> {
        let reader = self.0.as_ref()?;
        let found = reader.lookup(ip.to_canonical()).ok()?;
        let city: geoip2::City<'_> = found.decode().ok()??;
        let country = city.country.names.english;
        match (city.city.names.english, country) {
            (Some(city), Some(country)) => Some(format!("near {city}, {country}")),
            (Some(city), None) => Some(format!("near {city}")),
            (None, Some(country)) => Some(format!("in {country}")),
            (None, None) => None,
        }
    }
}
