//! Small HTTP helpers shared by the repository and registry clients: readable transport errors
//! without URLs (callers name the redacted URL themselves), and bounded body reads.

/// A transport error as text: the error and its causes, without the URL reqwest embeds (which
/// could carry userinfo).
pub fn describe(e: reqwest::Error) -> String {
    let e = e.without_url();
    let mut text = e.to_string();
    let mut cause = std::error::Error::source(&e);
    while let Some(c) = cause {
        text.push_str(": ");
        text.push_str(&c.to_string());
        cause = c.source();
    }
    text
}

/// Reads a response body, refusing more than `limit` bytes (a chart or index is never that big;
/// a misbehaving server should not fill memory).
pub async fn read_limited(mut resp: reqwest::Response, limit: u64) -> Result<Vec<u8>, String> {
    if resp.content_length().is_some_and(|n| n > limit) {
        return Err(format!("response is larger than {limit} bytes"));
    }
    let mut body = Vec::new();
    while let Some(chunk) = resp.chunk().await.map_err(describe)? {
        body.extend_from_slice(&chunk);
        if body.len() as u64 > limit {
            return Err(format!("response is larger than {limit} bytes"));
        }
    }
    Ok(body)
}

/// `HTTP <code> <reason>` for an unexpected status.
pub fn status_text(status: reqwest::StatusCode) -> String {
    format!("HTTP {status}")
}
