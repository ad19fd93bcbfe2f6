//! Reading what a form sends: the one extractor for every post ([`Posted`]: urlencoded or
//! multipart, fields and files, with size limits), and [`Pairs`] for queries and fields that
//! repeat (`pupil=a&pupil=b`), which axum's `Form` and `Query` cannot put in a `Vec`. Checking
//! the values is [`crate::field`]'s; files are [`crate::upload`]'s.

use axum::body::Bytes;
use axum::extract::{FromRequest, Request};
use axum::http::header;

use crate::fragment::PortletError;
use crate::upload::Upload;

/// Text fields are short: anything longer than this is not from a portlet's form.
pub const MAX_FIELD_BYTES: usize = 64 * 1024;
/// Nor are posts with more fields or parts than this.
pub const MAX_PARTS: usize = 64;

/// The pairs of an urlencoded body or query, in order, repeated names kept.
#[derive(Clone, Debug, Default)]
pub struct Pairs(Vec<(String, String)>);

impl Pairs {
    pub fn parse(bytes: &[u8]) -> Pairs {
        Pairs(url::form_urlencoded::parse(bytes).into_owned().collect())
    }

    pub fn query(raw: Option<&str>) -> Pairs {
        Pairs::parse(raw.unwrap_or("").as_bytes())
    }

    pub fn from_pairs(pairs: Vec<(String, String)>) -> Pairs {
        Pairs(pairs)
    }

    /// The first value of a field.
    pub fn get(&self, name: &str) -> Option<&str> {
        self.0.iter().find(|(k, _)| k == name).map(|(_, v)| v.as_str())
    }

    /// The first value of a field, or "" when it is absent.
    pub fn text(&self, name: &str) -> &str {
        self.get(name).unwrap_or("")
    }

    /// Every value of a field, in order.
    pub fn all(&self, name: &str) -> Vec<&str> {
        self.0.iter().filter(|(k, _)| k == name).map(|(_, v)| v.as_str()).collect()
    }

    pub fn len(&self) -> usize {
        self.0.len()
    }

    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }
}

/// A post as a form sent it (`application/x-www-form-urlencoded`, or `multipart/form-data` with
/// files, as the portal forwards both): its fields in order and its files. The body is bounded
/// by the kit's body limit; a field by [`MAX_FIELD_BYTES`], the parts by [`MAX_PARTS`]. A body
/// that cannot be read this way is a `400`.
#[derive(Clone, Debug, Default)]
pub struct Posted {
    pub fields: Pairs,
    pub files: Vec<Upload>,
}

impl Posted {
    /// Decodes a body by its content type.
    pub async fn read(content_type: &str, body: Bytes) -> Result<Posted, PortletError> {
        let mime = content_type.split(';').next().unwrap_or("").trim().to_ascii_lowercase();
        match mime.as_str() {
            "application/x-www-form-urlencoded" => {
                let fields = Pairs::parse(&body);
                if fields.len() > MAX_PARTS {
                    return Err(PortletError::BadRequest("too many fields".into()));
                }
                Ok(Posted { fields, files: Vec::new() })
            }
            "multipart/form-data" => read_multipart(content_type, body).await,
            _ => Err(PortletError::BadRequest("unsupported content type".into())),
        }
    }

    pub fn get(&self, name: &str) -> Option<&str> {
        self.fields.get(name)
    }

    pub fn text(&self, name: &str) -> &str {
        self.fields.text(name)
    }

    pub fn all(&self, name: &str) -> Vec<&str> {
        self.fields.all(name)
    }
}

impl<S: Send + Sync> FromRequest<S> for Posted {
    type Rejection = PortletError;

    async fn from_request(req: Request, state: &S) -> Result<Self, Self::Rejection> {
        let content_type =
            req.headers().get(header::CONTENT_TYPE).and_then(|v| v.to_str().ok()).unwrap_or("").to_string();
        // An empty post (a button alone) carries no content type worth refusing.
        let body = Bytes::from_request(req, state).await.map_err(|e| PortletError::BadRequest(e.to_string()))?;
        if body.is_empty() && content_type.is_empty() {
            return Ok(Posted::default());
        }
        Posted::read(&content_type, body).await
    }
}

async fn read_multipart(content_type: &str, body: Bytes) -> Result<Posted, PortletError> {
    let bad = |e: multer::Error| PortletError::BadRequest(format!("multipart: {e}"));
    let boundary = multer::parse_boundary(content_type).map_err(bad)?;
    let stream = futures_util::stream::once(async move { Ok::<Bytes, std::convert::Infallible>(body) });
    let mut form = multer::Multipart::new(stream, boundary);
    let (mut fields, mut files) = (Vec::new(), Vec::new());
    let mut parts = 0;
    while let Some(field) = form.next_field().await.map_err(bad)? {
        parts += 1;
        if parts > MAX_PARTS {
            return Err(PortletError::BadRequest("too many parts".into()));
        }
        let name = field.name().unwrap_or("").to_string();
        match field.file_name().map(str::to_owned) {
            Some(file_name) => {
                let declared = field.content_type().map(|m| m.essence_str().to_string()).unwrap_or_default();
                let data = field.bytes().await.map_err(bad)?;
                // A file input left empty still sends a part, with no name and no bytes.
                if file_name.is_empty() && data.is_empty() {
                    continue;
                }
                files.push(Upload { field: name, name: file_name, declared_type: declared, data });
            }
            None => {
                let data = field.bytes().await.map_err(bad)?;
                if data.len() > MAX_FIELD_BYTES {
                    return Err(PortletError::BadRequest("field too long".into()));
                }
                let value = String::from_utf8(data.to_vec())
                    .map_err(|_| PortletError::BadRequest("field is not UTF-8".into()))?;
                fields.push((name, value));
            }
        }
    }
    Ok(Posted { fields: Pairs(fields), files })
}

/// A value for a query string (`?pupil=…`).
pub fn encode(value: &str) -> String {
    url::form_urlencoded::byte_serialize(value.as_bytes()).collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn repeated_fields_are_kept_in_order() {
        let p = Pairs::parse(b"title=Sortie+%C3%A0+la+mer&pupil=a&pupil=b%26c&signature=1");
        assert_eq!(p.get("title"), Some("Sortie à la mer"));
        assert_eq!(p.all("pupil"), vec!["a", "b&c"]);
        assert_eq!(p.get("missing"), None);
        assert_eq!(encode("a b&c/é"), "a+b%26c%2F%C3%A9");
    }

    #[tokio::test]
    async fn multipart_gives_fields_and_files_and_drops_empty_file_inputs() {
        let body = "--b\r\nContent-Disposition: form-data; name=\"done\"\r\n\r\nLecture\r\n\
                    --b\r\nContent-Disposition: form-data; name=\"files\"; filename=\"a.pdf\"\r\nContent-Type: application/pdf\r\n\r\n%PDF-1.4\r\n\
                    --b\r\nContent-Disposition: form-data; name=\"files\"; filename=\"\"\r\n\r\n\r\n--b--\r\n";
        let p = Posted::read("multipart/form-data; boundary=b", Bytes::from(body)).await.unwrap_or_default();
        assert_eq!(p.text("done"), "Lecture");
        assert_eq!(p.files.len(), 1);
        assert_eq!((p.files[0].name.as_str(), p.files[0].declared_type.as_str()), ("a.pdf", "application/pdf"));
        assert!(Posted::read("text/plain", Bytes::new()).await.is_err());
    }
}
