//! Flask-SQLAlchemy 3.1's pagination, field for field, on sea-orm.
//!
//! The arguments are prepared exactly as `_prepare_page_args` does (see
//! [`PageArgs`]); the arithmetic that sea-orm leaves unchecked (a page size
//! of 0 panics, a huge page overflows) never reaches it.

use actix_web::http::header::{self, HeaderValue};
use actix_web::HttpRequest;
use actix_web::HttpResponse;
use sea_orm::{ConnectionTrait, DbErr, EntityTrait, PaginatorTrait, QuerySelect, Select};
use serde::Serialize;

use crate::error::OrmError;

/// Flask's fallback `per_page`.
pub const DEFAULT_PER_PAGE: u64 = 20;

/// The `max_per_page` that `prev()` falls back to (Flask-SQLAlchemy's class
/// default; `paginate` itself applies none unless given one).
pub const CLASS_MAX_PER_PAGE: u64 = 100;

/// How to paginate: Flask-SQLAlchemy's `paginate(page=None, per_page=None,
/// max_per_page=None, error_out=True, count=True)`.
///
/// `page` and `per_page` left unset are read from the request's query
/// string (`?page=2&per_page=10`) with Python's `int()` rules: surrounding
/// whitespace, a sign and `_` between digits are accepted; `""` and `2.0`
/// are not. An invalid value, a page below 1 or a `per_page` below 1 is a
/// 404 with `error_out`, else page 1 / 20 per page. `max_per_page` clamps
/// `per_page` before those checks, as in Flask.
///
/// ```
/// use ext_orm::PageArgs;
///
/// let args = PageArgs::new().max_per_page(50);
/// assert_eq!(args.prepare(Some("page=2&per_page=100")).unwrap(), (2, 50));
/// assert_eq!(args.prepare(Some("page=%202%20")).unwrap(), (2, 20));
/// assert!(args.prepare(Some("page=abc")).is_err());
/// assert_eq!(args.error_out(false).prepare(Some("page=0")).unwrap(), (1, 20));
/// ```
#[derive(Clone, Debug)]
pub struct PageArgs {
    page: Option<i128>,
    per_page: Option<i128>,
    max_per_page: Option<u64>,
    error_out: bool,
    count: bool,
}

impl Default for PageArgs {
    fn default() -> Self {
        Self::new()
    }
}

impl PageArgs {
    /// Flask's defaults: from the query string, `error_out`, with a count.
    pub fn new() -> Self {
        PageArgs {
            page: None,
            per_page: None,
            max_per_page: None,
            error_out: true,
            count: true,
        }
    }

    /// A fixed page instead of `?page=`.
    pub fn page(mut self, page: i64) -> Self {
        self.page = Some(i128::from(page));
        self
    }

    /// A fixed page size instead of `?per_page=`.
    pub fn per_page(mut self, per_page: i64) -> Self {
        self.per_page = Some(i128::from(per_page));
        self
    }

    /// The largest `per_page` a client may ask for.
    pub fn max_per_page(mut self, max: u64) -> Self {
        self.max_per_page = Some(max);
        self
    }

    /// Whether bad arguments and pages past the end are 404s (default) or
    /// corrected.
    pub fn error_out(mut self, error_out: bool) -> Self {
        self.error_out = error_out;
        self
    }

    /// Whether to count the total (default); without it, `total` is `None`,
    /// `pages` 0 and `has_next` false, as in Flask.
    pub fn count(mut self, count: bool) -> Self {
        self.count = count;
        self
    }

    /// `(page, per_page)` after Flask's checks, reading unset values from
    /// `query` (a raw query string).
    pub fn prepare(&self, query: Option<&str>) -> Result<(u64, u64), OrmError> {
        let from_query = |name: &str, fallback: i128| -> Result<i128, OrmError> {
            let raw = query.and_then(|query| {
                form_urlencoded::parse(query.as_bytes())
                    .find(|(key, _)| key == name)
                    .map(|(_, value)| value.into_owned())
            });
            match raw {
                None => Ok(fallback),
                Some(raw) => match python_int(&raw) {
                    Some(value) => Ok(value),
                    None if self.error_out => Err(OrmError::not_found(None)),
                    None => Ok(fallback),
                },
            }
        };
        let page = match self.page {
            Some(page) => page,
            None => from_query("page", 1)?,
        };
        let mut per_page = match self.per_page {
            Some(per_page) => per_page,
            None => from_query("per_page", i128::from(DEFAULT_PER_PAGE))?,
        };
        if let Some(max) = self.max_per_page {
            per_page = per_page.min(i128::from(max));
        }
        let page = if page < 1 {
            if self.error_out {
                return Err(OrmError::not_found(None));
            }
            1
        } else {
            page
        };
        let per_page = if per_page < 1 {
            if self.error_out {
                return Err(OrmError::not_found(None));
            }
            i128::from(DEFAULT_PER_PAGE)
        } else {
            per_page
        };
        let clamp = |value: i128| u64::try_from(value).unwrap_or(u64::MAX);
        Ok((clamp(page), clamp(per_page)))
    }
}

/// Python's `int(text)` for base 10: `None` where Python raises. Values
/// beyond `i128` saturate (Python's ints are unbounded; a page that large
/// is past the end either way).
///
/// ```
/// use ext_orm::pagination::python_int;
///
/// assert_eq!(python_int(" +1_0 "), Some(10));
/// assert_eq!(python_int("-1"), Some(-1));
/// assert_eq!(python_int("2.0"), None);
/// assert_eq!(python_int(""), None);
/// assert_eq!(python_int("1__0"), None);
/// ```
pub fn python_int(text: &str) -> Option<i128> {
    let text = text.trim();
    let (negative, digits) = match text.as_bytes().first()? {
        b'-' => (true, &text[1..]),
        b'+' => (false, &text[1..]),
        _ => (false, text),
    };
    if digits.is_empty() || digits.starts_with('_') || digits.ends_with('_') || digits.contains("__") {
        return None;
    }
    let mut value: i128 = 0;
    for byte in digits.bytes() {
        match byte {
            b'_' => continue,
            b'0'..=b'9' => {
                value = value.saturating_mul(10).saturating_add(i128::from(byte - b'0'));
            }
            _ => return None,
        }
    }
    Some(if negative { -value } else { value })
}

/// One page of results: Flask-SQLAlchemy's `Pagination`.
///
/// ```
/// use ext_orm::Pagination;
///
/// let page = Pagination::from_parts(6, 10, None, vec![0u8; 10], Some(150));
/// assert_eq!(page.pages(), 15);
/// assert_eq!((page.first(), page.last()), (51, 60));
/// assert_eq!(
///     page.iter_pages(Default::default()),
///     [Some(1), Some(2), None, Some(4), Some(5), Some(6), Some(7), Some(8), Some(9), Some(10), None, Some(14), Some(15)]
/// );
/// ```
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Pagination<T> {
    /// The current page, from 1.
    pub page: u64,
    /// Items per page.
    pub per_page: u64,
    /// The clamp applied to `per_page`, carried to `next()`.
    pub max_per_page: Option<u64>,
    /// The rows of this page.
    pub items: Vec<T>,
    /// The number of rows over all pages, unless counting was off.
    pub total: Option<u64>,
}

/// `iter_pages`'s four keyword arguments; the default is Flask's
/// `left_edge=2, left_current=2, right_current=4, right_edge=2`.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct IterPages {
    /// Pages shown at the start.
    pub left_edge: u64,
    /// Pages shown before the current one.
    pub left_current: u64,
    /// Pages shown after the current one.
    pub right_current: u64,
    /// Pages shown at the end.
    pub right_edge: u64,
}

impl Default for IterPages {
    fn default() -> Self {
        IterPages {
            left_edge: 2,
            left_current: 2,
            right_current: 4,
            right_edge: 2,
        }
    }
}

impl<T> Pagination<T> {
    /// A page from its parts (what `paginate` builds).
    pub fn from_parts(
        page: u64,
        per_page: u64,
        max_per_page: Option<u64>,
        items: Vec<T>,
        total: Option<u64>,
    ) -> Self {
        Pagination {
            page,
            per_page,
            max_per_page,
            items,
            total,
        }
    }

    /// The number of pages: 0 without a total or rows.
    pub fn pages(&self) -> u64 {
        match self.total {
            None | Some(0) => 0,
            Some(total) => total.div_ceil(self.per_page.max(1)),
        }
    }

    /// Whether there is a page before this one.
    pub fn has_prev(&self) -> bool {
        self.page > 1
    }

    /// The previous page's number.
    pub fn prev_num(&self) -> Option<u64> {
        self.has_prev().then(|| self.page - 1)
    }

    /// Whether there is a page after this one (never without a count).
    pub fn has_next(&self) -> bool {
        self.page < self.pages()
    }

    /// The next page's number.
    pub fn next_num(&self) -> Option<u64> {
        self.has_next().then(|| self.page + 1)
    }

    /// The 1-based number of the first item on this page; 0 when empty.
    pub fn first(&self) -> u64 {
        if self.items.is_empty() {
            0
        } else {
            (self.page - 1).saturating_mul(self.per_page).saturating_add(1)
        }
    }

    /// The number of the last item on this page.
    pub fn last(&self) -> u64 {
        let first = self.first();
        first.max((first + self.items.len() as u64).saturating_sub(1))
    }

    /// Page numbers for a pager, `None` marking a gap of one or more pages.
    pub fn iter_pages(&self, edges: IterPages) -> Vec<Option<u64>> {
        let pages_end = self.pages() + 1;
        let mut out = Vec::new();
        if pages_end == 1 {
            return out;
        }
        let left_end = (1 + edges.left_edge).min(pages_end);
        out.extend((1..left_end).map(Some));
        if left_end == pages_end {
            return out;
        }
        let mid_start = left_end.max(self.page.saturating_sub(edges.left_current));
        let mid_end = (self.page.saturating_add(edges.right_current).saturating_add(1)).min(pages_end);
        if mid_start > left_end {
            out.push(None);
        }
        out.extend((mid_start..mid_end).map(Some));
        if mid_end == pages_end {
            return out;
        }
        let right_start = mid_end.max(pages_end.saturating_sub(edges.right_edge));
        if right_start > mid_end {
            out.push(None);
        }
        out.extend((right_start..pages_end).map(Some));
        out
    }

    /// The arguments of the previous page: no count, `total` kept; like
    /// Flask, `max_per_page` falls back to the class default of 100.
    pub fn prev_args(&self) -> (u64, u64, Option<u64>) {
        let max = CLASS_MAX_PER_PAGE;
        (self.page.saturating_sub(1), self.per_page.min(max), Some(max))
    }

    /// The arguments of the next page: no count, `total` and `max_per_page`
    /// kept.
    pub fn next_args(&self) -> (u64, u64, Option<u64>) {
        (self.page.saturating_add(1), self.per_page, self.max_per_page)
    }

    /// The JSON envelope (beyond Flask): items and every derived value.
    pub fn envelope(&self) -> PageEnvelope<'_, T> {
        PageEnvelope {
            items: &self.items,
            page: self.page,
            per_page: self.per_page,
            total: self.total,
            pages: self.pages(),
            has_prev: self.has_prev(),
            has_next: self.has_next(),
            prev_num: self.prev_num(),
            next_num: self.next_num(),
        }
    }

    /// The RFC 8288 `Link` header value for `req`: `first`, `prev`, `next`
    /// and `last` (those that exist), keeping the other query parameters
    /// (`per_page`, filters) up to [`LINK_PARAMETERS_BUDGET`] bytes in all:
    /// one that does not fit is left out, so a huge query string cannot
    /// make a huge header.
    ///
    /// ```
    /// use actix_web::test::TestRequest;
    /// use ext_orm::Pagination;
    ///
    /// let page = Pagination::from_parts(2, 10, None, vec![()], Some(30));
    /// let req = TestRequest::get().uri("/notes?page=2&per_page=10&q=milk").to_http_request();
    /// assert_eq!(
    ///     page.link_header(&req),
    ///     "</notes?page=1&per_page=10&q=milk>; rel=\"first\", </notes?page=1&per_page=10&q=milk>; rel=\"prev\", \
    ///      </notes?page=3&per_page=10&q=milk>; rel=\"next\", </notes?page=3&per_page=10&q=milk>; rel=\"last\""
    /// );
    /// let flood = format!("/notes?per_page=10&q={}", "x".repeat(60_000));
    /// let req = TestRequest::get().uri(&flood).to_http_request();
    /// assert!(page.link_header(&req).len() < 500);
    /// assert!(page.link_header(&req).contains("per_page=10"));
    /// ```
    pub fn link_header(&self, req: &HttpRequest) -> String {
        let mut links = vec![(1, "first")];
        if let Some(prev) = self.prev_num() {
            links.push((prev, "prev"));
        }
        if let Some(next) = self.next_num() {
            links.push((next, "next"));
        }
        if self.pages() > 0 {
            links.push((self.pages(), "last"));
        }
        links
            .into_iter()
            .map(|(page, rel)| format!("<{}>; rel=\"{rel}\"", page_url(req, page)))
            .collect::<Vec<_>>()
            .join(", ")
    }
}

impl<T: Serialize> Pagination<T> {
    /// A `200 OK` with the JSON envelope and the `Link` header.
    pub fn to_response(&self, req: &HttpRequest) -> HttpResponse {
        let mut response = HttpResponse::Ok().json(self.envelope());
        if let Ok(value) = HeaderValue::from_str(&self.link_header(req)) {
            response.headers_mut().insert(header::LINK, value);
        }
        response
    }
}

impl<T: Serialize + Send + 'static> Pagination<T> {
    /// [`Pagination::to_response`], serialised on actix's blocking pool:
    /// the worker goes on serving other requests meanwhile, and a
    /// connection the handler released (end the session first, with
    /// [`Session::rollback`](crate::Session::rollback)) goes back to the
    /// pool at once instead of after the serialisation. Use it for pages
    /// that can be large; with SQLite's single connection, a page of
    /// megabytes serialised on the worker kept every other request waiting
    /// (issue 10, finding 1).
    ///
    /// ```no_run
    /// use actix_web::{HttpRequest, HttpResponse};
    /// use ext_orm::{DbSession, OrmError, PageArgs, SelectPaginate};
    /// # use sea_orm::EntityTrait;
    /// # async fn list<E: EntityTrait>(req: HttpRequest, session: DbSession) -> Result<HttpResponse, OrmError>
    /// # where E::Model: serde::Serialize + Send + Sync + 'static {
    /// let page = E::find().paginate_request(&session, &req, PageArgs::new()).await?;
    /// session.rollback().await?; // only reads: nothing to keep
    /// page.respond(&req).await
    /// # }
    /// ```
    pub async fn respond(self, req: &HttpRequest) -> Result<HttpResponse, OrmError> {
        let link = self.link_header(req);
        let serialised = actix_web::web::block(move || serde_json::to_vec(&self.envelope()))
            .await
            .map_err(|_| OrmError::Database(DbErr::Custom("the page's serialisation stopped".to_owned())))?
            .map_err(|error| OrmError::Database(DbErr::Json(error.to_string())))?;
        let mut response = HttpResponse::Ok()
            .content_type(actix_web::http::header::ContentType::json())
            .body(serialised);
        if let Ok(value) = HeaderValue::from_str(&link) {
            response.headers_mut().insert(header::LINK, value);
        }
        Ok(response)
    }
}

impl<T> IntoIterator for Pagination<T> {
    type Item = T;
    type IntoIter = std::vec::IntoIter<T>;

    fn into_iter(self) -> Self::IntoIter {
        self.items.into_iter()
    }
}

/// The JSON form of a [`Pagination`].
#[derive(Debug, Serialize)]
pub struct PageEnvelope<'a, T> {
    /// The rows.
    pub items: &'a [T],
    /// The current page.
    pub page: u64,
    /// Items per page.
    pub per_page: u64,
    /// Rows over all pages, `null` without a count.
    pub total: Option<u64>,
    /// Number of pages.
    pub pages: u64,
    /// Whether a previous page exists.
    pub has_prev: bool,
    /// Whether a next page exists.
    pub has_next: bool,
    /// The previous page's number.
    pub prev_num: Option<u64>,
    /// The next page's number.
    pub next_num: Option<u64>,
}

/// How many bytes of query parameters other than `page` a pagination link
/// keeps (a 60 KB query string once made a 240 KB header).
pub const LINK_PARAMETERS_BUDGET: usize = 1024;

/// The request's own URL with `page` set, other parameters kept in order
/// within [`LINK_PARAMETERS_BUDGET`].
fn page_url(req: &HttpRequest, page: u64) -> String {
    let mut query = form_urlencoded::Serializer::new(String::new());
    let mut replaced = false;
    let mut budget = LINK_PARAMETERS_BUDGET;
    for (key, value) in form_urlencoded::parse(req.query_string().as_bytes()) {
        if key == "page" {
            if !replaced {
                query.append_pair("page", &page.to_string());
                replaced = true;
            }
        } else if key.len() + value.len() < budget {
            budget -= key.len() + value.len() + 1;
            query.append_pair(&key, &value);
        }
    }
    if !replaced {
        query.append_pair("page", &page.to_string());
    }
    format!("{}?{}", req.path(), query.finish())
}

/// Runs one page of `select`: items with `LIMIT`/`OFFSET`, then the count.
///
/// A page past the end (other than page 1) is a 404 with `error_out`, as
/// in Flask, checked before counting.
pub async fn paginate<E, C>(
    select: Select<E>,
    db: &C,
    args: &PageArgs,
    query: Option<&str>,
) -> Result<Pagination<E::Model>, OrmError>
where
    E: EntityTrait,
    E::Model: Sync,
    C: ConnectionTrait,
{
    let (page, per_page) = args.prepare(query)?;
    fetch(
        select,
        db,
        page,
        per_page,
        args.max_per_page,
        args.error_out,
        args.count,
        None,
    )
    .await
}

#[allow(clippy::too_many_arguments)]
async fn fetch<E, C>(
    select: Select<E>,
    db: &C,
    page: u64,
    per_page: u64,
    max_per_page: Option<u64>,
    error_out: bool,
    count: bool,
    known_total: Option<u64>,
) -> Result<Pagination<E::Model>, OrmError>
where
    E: EntityTrait,
    E::Model: Sync,
    C: ConnectionTrait,
{
    // SQL counts are signed 64-bit: a page or size beyond that is past the
    // end, never an overflow.
    let limit = per_page.min(i64::MAX as u64);
    let offset = (page - 1)
        .checked_mul(per_page)
        .filter(|offset| *offset <= i64::MAX as u64);
    let items = match offset {
        Some(offset) => select.clone().limit(limit).offset(offset).all(db).await?,
        None => Vec::new(),
    };
    if items.is_empty() && page != 1 && error_out {
        return Err(OrmError::not_found(None));
    }
    let total = match (count, known_total) {
        (true, _) => Some(select.count(db).await?),
        (false, known) => known,
    };
    Ok(Pagination::from_parts(page, per_page, max_per_page, items, total))
}

/// `paginate`, `prev` and `next` on any `Select`.
pub trait SelectPaginate<E: EntityTrait>: Sized {
    /// One page, with unset arguments read from `req`'s query string.
    fn paginate_request<'a, C: ConnectionTrait>(
        self,
        db: &'a C,
        req: &'a HttpRequest,
        args: PageArgs,
    ) -> impl std::future::Future<Output = Result<Pagination<E::Model>, OrmError>> + 'a;

    /// The page after `current`: same size and `max_per_page`, no count,
    /// total copied (Flask's `next()`, `error_out=False`).
    fn next_page<'a, C: ConnectionTrait, T>(
        self,
        db: &'a C,
        current: &'a Pagination<T>,
    ) -> impl std::future::Future<Output = Result<Pagination<E::Model>, OrmError>> + 'a;

    /// The page before `current` (Flask's `prev()`: `max_per_page` falls
    /// back to 100).
    fn prev_page<'a, C: ConnectionTrait, T>(
        self,
        db: &'a C,
        current: &'a Pagination<T>,
    ) -> impl std::future::Future<Output = Result<Pagination<E::Model>, OrmError>> + 'a;
}

impl<E> SelectPaginate<E> for Select<E>
where
    E: EntityTrait,
    E::Model: Sync,
{
    async fn paginate_request<'a, C: ConnectionTrait>(
        self,
        db: &'a C,
        req: &'a HttpRequest,
        args: PageArgs,
    ) -> Result<Pagination<E::Model>, OrmError> {
        paginate(self, db, &args, Some(req.query_string())).await
    }

    fn next_page<'a, C: ConnectionTrait, T>(
        self,
        db: &'a C,
        current: &'a Pagination<T>,
    ) -> impl std::future::Future<Output = Result<Pagination<E::Model>, OrmError>> + 'a {
        let (page, per_page, max) = current.next_args();
        async move { fetch(self, db, page, per_page, max, false, false, current.total).await }
    }

    fn prev_page<'a, C: ConnectionTrait, T>(
        self,
        db: &'a C,
        current: &'a Pagination<T>,
    ) -> impl std::future::Future<Output = Result<Pagination<E::Model>, OrmError>> + 'a {
        let (page, per_page, max) = current.prev_args();
        async move { fetch(self, db, page.max(1), per_page, max, false, false, current.total).await }
    }
}
