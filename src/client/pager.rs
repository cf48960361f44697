//! Lists as lazy streams that follow `nextLink`.

use super::{decode, SiteRecoveryClient};
use crate::error::Error;
use crate::http::{Method, Request};
use crate::model::Page;
use futures_core::Stream;
use serde::de::DeserializeOwned;
use serde::Deserialize;
use std::fmt;
use std::future::Future;
use std::pin::Pin;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;
use std::task::{Context, Poll, Wake, Waker};
use url::Url;

/// The wire shape of a list page; every other field is skipped without being kept.
#[derive(Deserialize)]
struct WirePage<T> {
    #[serde(default = "Vec::new")]
    value: Vec<T>,
    #[serde(rename = "nextLink", default)]
    next_link: Option<String>,
}

type PageFuture<T> = Pin<Box<dyn Future<Output = Result<Page<T>, Error>> + Send>>;

/// A list of `T`: a lazy [`Stream`] of items that follows `nextLink`.
///
/// * Lazy: nothing is sent until the stream is polled.
/// * One page ahead: while the items of a page are handed out, the next page is already
///   fetched and decoded (each item handed out moves it along), so the network wait overlaps
///   the caller's work. At most two pages are in memory (the current one and the next),
///   however long the list. An error of the next page comes after the current page's items,
///   as it would without the read-ahead; dropping the pager cancels the read in flight.
///   [`Pager::into_pages`] reads one page at a time, when asked.
/// * Every `nextLink` is resolved against the page it came from and gets the client's
///   `api-version` when it has none; a link to another host is refused, never followed; a link
///   back to one of the last 64 pages read ends the list with an error instead of looping
///   (only 64 link hashes are kept, so memory stays flat however long the list).
/// * Bounded: a list reads at most [`DEFAULT_MAX_PAGES`] pages ([`Pager::max_pages`] to
///   change it), then ends with [`Error::PageLimit`] and the continuation of the next page, so
///   a `nextLink` cycle longer than 64 pages (or a service that never stops paging) cannot
///   keep a program reading forever.
/// * Resumable: [`Pager::continuation`] is the link of the next page not yet fetched; pass it to
///   [`SiteRecoveryClient::resume_pager`] (in this process or a later one).
///
/// ```
/// # use azs_site_recovery::http::{Request, Response};
/// # use azs_site_recovery::transport::{Transport, TransportError};
/// # #[derive(Debug)]
/// # struct TwoPages;
/// # #[async_trait::async_trait]
/// # impl Transport for TwoPages {
/// #     async fn send(&self, r: &Request) -> Result<Response, TransportError> {
/// #         let body = if r.url.query().unwrap_or("").contains("skiptoken") {
/// #             r#"{"value":[{"name":"db01"}]}"#.to_string()
/// #         } else {
/// #             format!(r#"{{"value":[{{"name":"web01"}}],"nextLink":"{}?$skiptoken=2"}}"#, r.url.path())
/// #         };
/// #         let mut resp = Response::new(200);
/// #         resp.body = body.into_bytes();
/// #         Ok(resp)
/// #     }
/// # }
/// # futures_util::FutureExt::now_or_never(async {
/// use azs_site_recovery::{id::VaultId, SiteRecoveryClient};
/// use futures_util::TryStreamExt;
///
/// let client = SiteRecoveryClient::builder()
///     .endpoint("https://management.local.azurestack.external")?
///     .transport(TwoPages)
///     .build()?;
/// let vault = VaultId::new("00000000-0000-0000-0000-000000000000", "dr-rg", "vault1");
/// let mut items = client.protected_items(&vault).list(); // nothing sent yet
/// let mut names = Vec::new();
/// while let Some(item) = items.try_next().await? {
///     names.extend(item.name);
/// }
/// assert_eq!(names, ["web01", "db01"]);
/// # Ok::<(), azs_site_recovery::Error>(())
/// # }).unwrap().unwrap();
/// ```
pub struct Pager<T> {
    client: SiteRecoveryClient,
    /// The link of the next page whose items have not been handed out: the page in flight or
    /// read ahead, or the one to fetch next.
    next: Option<Url>,
    in_flight: Option<PageFuture<T>>,
    /// The next page, read ahead and not yet handed out.
    ready: Option<Result<Page<T>, Error>>,
    /// Set when the page read ahead has news (its waker was called): it is polled again
    /// only then, so handing out an item costs no poll of the whole HTTP stack.
    ahead: Option<(Arc<WokenFlag>, Waker)>,
    /// Pages requested so far, and the most this list may request.
    pages_started: usize,
    max_pages: usize,
    buffer: std::vec::IntoIter<T>,
    failed: bool,
    pending_error: Option<Error>,
    /// Hashes of the links of the last [`RECENT_PAGES`] pages read: a `nextLink` naming one of
    /// them again would loop. Bounded, so memory stays flat however many pages a list has.
    read: std::collections::VecDeque<u64>,
    /// The api-version a `nextLink` without one gets: the first page's.
    api_version: String,
}

/// The most pages a list reads unless told otherwise ([`Pager::max_pages`]): a million items at
/// the usual 100 per page.
pub const DEFAULT_MAX_PAGES: usize = 10_000;

/// How many recent page links a pager remembers to detect a `nextLink` cycle (a self-link, or a
/// loop through up to this many pages); older ones are forgotten so memory stays flat.
const RECENT_PAGES: usize = 64;

fn link_hash(url: &Url) -> u64 {
    use std::hash::{Hash, Hasher};
    let mut h = std::collections::hash_map::DefaultHasher::new();
    url.as_str().hash(&mut h);
    h.finish()
}

// The pager never pins its items; it only pins the boxed future of the page in flight.
impl<T> Unpin for Pager<T> {}

impl<T> fmt::Debug for Pager<T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Pager")
            .field("next", &self.next.as_ref().map(Url::as_str))
            .field("in_flight", &self.in_flight.is_some())
            .field("buffered", &self.buffer.len())
            .finish()
    }
}

impl<T: DeserializeOwned + Send + 'static> Pager<T> {
    /// A pager whose first page is `first`.
    pub(crate) fn new(client: SiteRecoveryClient, first: Url) -> Self {
        let api_version = first
            .query_pairs()
            .find(|(k, _)| k.eq_ignore_ascii_case("api-version"))
            .map(|(_, v)| v.into_owned())
            .unwrap_or_else(|| client.api_version().as_str().to_owned());
        Pager {
            api_version,
            client,
            next: Some(first),
            in_flight: None,
            ready: None,
            ahead: None,
            pages_started: 0,
            max_pages: DEFAULT_MAX_PAGES,
            buffer: Vec::new().into_iter(),
            failed: false,
            pending_error: None,
            read: std::collections::VecDeque::new(),
        }
    }

    /// A pager that yields `error` once (a list whose URL could not be built).
    pub(crate) fn failed(client: SiteRecoveryClient, error: Error) -> Self {
        Pager {
            api_version: client.api_version().as_str().to_owned(),
            client,
            next: None,
            in_flight: None,
            ready: None,
            ahead: None,
            pages_started: 0,
            max_pages: DEFAULT_MAX_PAGES,
            buffer: Vec::new().into_iter(),
            failed: false,
            pending_error: Some(error),
            read: std::collections::VecDeque::new(),
        }
    }

    /// The link of the next page not fetched yet (`None` once the last page has been fetched).
    /// Items of the current page not yet yielded are not covered: save it between pages (see
    /// [`Pager::into_pages`]) to resume without skipping any.
    pub fn continuation(&self) -> Option<String> {
        self.next.as_ref().map(|u| u.to_string())
    }

    /// Items held in memory: the rest of the current page and the page read ahead.
    #[cfg(test)]
    pub(crate) fn held(&self) -> usize {
        let ahead = match &self.ready {
            Some(Ok(page)) => page.items().len(),
            _ => 0,
        };
        self.buffer.len() + ahead
    }

    /// At most `max_pages` pages are read (at least 1; default [`DEFAULT_MAX_PAGES`]); a list
    /// with more ends with [`Error::PageLimit`], whose continuation resumes it.
    ///
    /// ```
    /// # use azs_site_recovery::{id::VaultId, SiteRecoveryClient};
    /// # let client = SiteRecoveryClient::builder()
    /// #     .endpoint("https://management.local.azurestack.external")?
    /// #     .build()?;
    /// # let vault = VaultId::new("00000000-0000-0000-0000-000000000000", "dr-rg", "vault1");
    /// let items = client.protected_items(&vault).list().max_pages(50);
    /// # let _ = items;
    /// # Ok::<(), azs_site_recovery::Error>(())
    /// ```
    pub fn max_pages(mut self, max_pages: usize) -> Self {
        self.max_pages = max_pages.max(1);
        self
    }

    /// The same list as a stream of whole pages.
    pub fn into_pages(self) -> Pages<T> {
        Pages { pager: self }
    }

    fn fetch(&self, url: Url) -> PageFuture<T> {
        let client = self.client.clone();
        let api_version = self.api_version.clone();
        Box::pin(async move {
            let response = client.send(Request::new(Method::Get, url.clone())).await?;
            let page: WirePage<T> =
                decode(&response.body, || format!("list page GET {}", url.path()))?;
            let next_link = match page.next_link.as_deref().map(str::trim) {
                None | Some("") => None,
                Some(link) => Some(resolve_next_link(&api_version, &url, link)?),
            };
            let mut out = Page::new(page.value);
            out.next_link = next_link.map(String::from);
            Ok(out)
        })
    }

    /// Starts fetching the page `next` names, unless one is in flight or read ahead, the list
    /// has ended, or its page limit is reached (then, with `raise`, the error is queued).
    fn start_fetch(&mut self, raise: bool) {
        if self.in_flight.is_some()
            || self.ready.is_some()
            || self.failed
            || self.pending_error.is_some()
        {
            return;
        }
        let Some(url) = self.next.clone() else {
            return;
        };
        if self.pages_started >= self.max_pages {
            if raise {
                self.pending_error = Some(Error::PageLimit(Box::new(PageLimitReached {
                    pages: self.pages_started,
                    max_pages: self.max_pages,
                    continuation: url.to_string(),
                })));
            }
            return;
        }
        // The link stays in `next` until the page is handed out, so the continuation still
        // points at it while it is in flight or read ahead.
        self.pages_started += 1;
        self.in_flight = Some(self.fetch(url));
    }

    /// Moves the page in flight along; keeps it in `ready` once it has arrived.
    fn poll_in_flight(&mut self, cx: &mut Context<'_>) -> Poll<()> {
        let Some(fut) = self.in_flight.as_mut() else {
            return Poll::Ready(());
        };
        match fut.as_mut().poll(cx) {
            Poll::Pending => Poll::Pending,
            Poll::Ready(result) => {
                self.in_flight = None;
                self.ready = Some(result);
                Poll::Ready(())
            }
        }
    }

    /// Reads ahead: while the current page's items are handed out, the next one is fetched.
    /// The read is polled when it starts and then only when it has been woken (with a waker
    /// of its own: the caller's task needs no wake-up while it is busy with items).
    fn read_ahead(&mut self) {
        let started = self.in_flight.is_none();
        self.start_fetch(false);
        if self.in_flight.is_none() {
            return;
        }
        let (flag, waker) = self.ahead.get_or_insert_with(|| {
            let flag = Arc::new(WokenFlag(AtomicBool::new(false)));
            let waker = Waker::from(Arc::clone(&flag));
            (flag, waker)
        });
        if !flag.0.swap(false, Ordering::AcqRel) && !started {
            return;
        }
        let waker = waker.clone();
        let _ = self.poll_in_flight(&mut Context::from_waker(&waker));
    }

    /// Polls for the next whole page (the buffer must be empty).
    fn poll_page(&mut self, cx: &mut Context<'_>) -> Poll<Option<Result<Page<T>, Error>>> {
        if self.ready.is_none() {
            self.start_fetch(true);
            if let Some(e) = self.pending_error.take() {
                self.failed = true;
                return Poll::Ready(Some(Err(e)));
            }
            if self.failed || self.in_flight.is_none() {
                return Poll::Ready(None);
            }
            if self.poll_in_flight(cx).is_pending() {
                return Poll::Pending;
            }
        }
        let Some(result) = self.ready.take() else {
            return Poll::Ready(None);
        };
        match result {
            Ok(page) => {
                if let Some(done) = self.next.take() {
                    if self.read.len() == RECENT_PAGES {
                        self.read.pop_front();
                    }
                    self.read.push_back(link_hash(&done));
                }
                let next = page.next_link.as_deref().and_then(|l| Url::parse(l).ok());
                match next {
                    // A nextLink naming a page already read (itself, or an earlier one in a
                    // cycle) would be fetched forever: give this page's items, then end with
                    // an error instead of looping.
                    Some(n) if self.read.contains(&link_hash(&n)) => {
                        self.pending_error = Some(Error::invalid_input(
                            "nextLink",
                            format!(
                                "the service sent a nextLink to a page already read ({}); the \
                                 list stops here instead of reading it again forever",
                                crate::http::path_for_log(&n)
                            ),
                        ));
                    }
                    next => self.next = next,
                }
                Poll::Ready(Some(Ok(page)))
            }
            Err(e) => {
                // The continuation still names the failed page: a caller can resume from it
                // after fixing the cause.
                self.failed = true;
                Poll::Ready(Some(Err(e)))
            }
        }
    }
}

/// A list stopped at its page limit ([`Pager::max_pages`]): the service kept sending
/// `nextLink`s (a cycle through more pages than the pager remembers, or a longer list than
/// the limit allows).
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub struct PageLimitReached {
    /// Pages read.
    pub pages: usize,
    /// The limit.
    pub max_pages: usize,
    /// The link of the next page: resume from it
    /// ([`SiteRecoveryClient::resume_pager`]) if the list really is that long.
    pub continuation: String,
}

impl fmt::Display for PageLimitReached {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let next = Url::parse(&self.continuation)
            .map(|u| crate::http::path_for_log(&u).to_owned())
            .unwrap_or_else(|_| "?".to_owned());
        write!(
            f,
            "the list stopped after {} pages, its limit, and the service still sent a nextLink \
             ({next}): a nextLink cycle or an endless list. If the list really is that long, \
             raise the limit (Pager::max_pages) or resume from the error's continuation",
            self.pages
        )
    }
}

/// A waker that only records that it was called (for the page read ahead).
struct WokenFlag(AtomicBool);

impl Wake for WokenFlag {
    fn wake(self: Arc<Self>) {
        self.0.store(true, Ordering::Release);
    }

    fn wake_by_ref(self: &Arc<Self>) {
        self.0.store(true, Ordering::Release);
    }
}

/// Resolves a `nextLink` against the page it came from and applies the list's api-version
/// (the first page's) when the link has none. A link on another host is kept as is: the
/// pipeline refuses it.
fn resolve_next_link(api_version: &str, page_url: &Url, link: &str) -> Result<Url, Error> {
    let mut url = page_url.join(link).map_err(|e| {
        Error::invalid_input(
            "nextLink",
            format!("the service sent `{link}`, which is not a URL ({e})"),
        )
    })?;
    if !url
        .query_pairs()
        .any(|(k, _)| k.eq_ignore_ascii_case("api-version"))
    {
        url.query_pairs_mut()
            .append_pair("api-version", api_version);
    }
    Ok(url)
}

impl<T: DeserializeOwned + Send + 'static> Stream for Pager<T> {
    type Item = Result<T, Error>;

    fn poll_next(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Option<Self::Item>> {
        let this = self.get_mut();
        loop {
            if let Some(item) = this.buffer.next() {
                this.read_ahead();
                return Poll::Ready(Some(Ok(item)));
            }
            match this.poll_page(cx) {
                Poll::Pending => return Poll::Pending,
                Poll::Ready(None) => return Poll::Ready(None),
                Poll::Ready(Some(Err(e))) => return Poll::Ready(Some(Err(e))),
                Poll::Ready(Some(Ok(page))) => this.buffer = page.into_items().into_iter(),
            }
        }
    }

    fn size_hint(&self) -> (usize, Option<usize>) {
        let more = self.next.is_some() || self.in_flight.is_some() || self.ready.is_some();
        (
            self.buffer.len(),
            if more { None } else { Some(self.buffer.len()) },
        )
    }
}

/// A list as a stream of whole pages ([`Pager::into_pages`]).
pub struct Pages<T> {
    pager: Pager<T>,
}

impl<T> fmt::Debug for Pages<T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_tuple("Pages").field(&self.pager).finish()
    }
}

impl<T: DeserializeOwned + Send + 'static> Pages<T> {
    /// The link of the next page not fetched yet.
    pub fn continuation(&self) -> Option<String> {
        self.pager.continuation()
    }
}

impl<T: DeserializeOwned + Send + 'static> Stream for Pages<T> {
    type Item = Result<Page<T>, Error>;

    fn poll_next(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Option<Self::Item>> {
        self.get_mut().pager.poll_page(cx)
    }
}
