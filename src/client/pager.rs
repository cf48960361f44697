//! Lists as lazy streams that follow `nextLink`.

use super::{decode_seed, SiteRecoveryClient};
use crate::error::Error;
use crate::http::{Method, Request};
use crate::model::macros::Key;
use crate::model::Page;
use crate::transport::{TransportError, TransportErrorKind};
use futures_core::Stream;
use serde::de::{
    DeserializeOwned, DeserializeSeed, Deserializer, IgnoredAny, MapAccess, SeqAccess, Visitor,
};
use serde::Deserialize;
use std::collections::VecDeque;
use std::fmt;
use std::future::Future;
use std::pin::Pin;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex, PoisonError};
use std::task::{Context, Poll, Wake, Waker};
use url::Url;

/// The wire shape of a list page; every other field is skipped without being kept.
struct WirePage<T> {
    value: Vec<T>,
    next_link: Option<String>,
}

/// Reads a [`WirePage`] whose items go into `items` (an emptied buffer of an earlier page,
/// whose capacity is used again: no growing, no freeing of a large buffer every page).
struct WirePageSeed<T> {
    items: Vec<T>,
    /// Yield the thread after every this many items (decoding on a thread of its own).
    yield_every: Option<usize>,
}

impl<'de, T: Deserialize<'de>> DeserializeSeed<'de> for WirePageSeed<T> {
    type Value = WirePage<T>;
    fn deserialize<D: Deserializer<'de>>(self, d: D) -> Result<WirePage<T>, D::Error> {
        d.deserialize_map(self)
    }
}

impl<'de, T: Deserialize<'de>> Visitor<'de> for WirePageSeed<T> {
    type Value = WirePage<T>;
    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("a list page (a JSON object with `value`)")
    }
    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<WirePage<T>, A::Error> {
        let yield_every = self.yield_every;
        let mut items = self.items;
        items.clear();
        let (mut seen_value, mut next_link) = (false, None);
        while let Some(key) = map.next_key::<Key<'de>>()? {
            match key.as_str() {
                "value" => {
                    if seen_value {
                        return Err(serde::de::Error::duplicate_field("value"));
                    }
                    seen_value = true;
                    map.next_value_seed(ItemsSeed(&mut items, yield_every))?;
                }
                "nextLink" => {
                    if next_link.is_some() {
                        return Err(serde::de::Error::duplicate_field("nextLink"));
                    }
                    next_link = Some(map.next_value::<Option<String>>()?);
                }
                _ => {
                    map.next_value::<IgnoredAny>()?;
                }
            }
        }
        Ok(WirePage {
            value: items,
            next_link: next_link.flatten(),
        })
    }
}

/// Appends the elements of a JSON array to a vector.
struct ItemsSeed<'v, T>(&'v mut Vec<T>, Option<usize>);

impl<'de, T: Deserialize<'de>> DeserializeSeed<'de> for ItemsSeed<'_, T> {
    type Value = ();
    fn deserialize<D: Deserializer<'de>>(self, d: D) -> Result<(), D::Error> {
        d.deserialize_seq(self)
    }
}

impl<'de, T: Deserialize<'de>> Visitor<'de> for ItemsSeed<'_, T> {
    type Value = ();
    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("a JSON array of items")
    }
    fn visit_seq<S: SeqAccess<'de>>(self, mut seq: S) -> Result<(), S::Error> {
        while let Some(item) = seq.next_element()? {
            self.0.push(item);
            if let Some(every) = self.1 {
                if self.0.len() % every == 0 {
                    std::thread::yield_now();
                }
            }
        }
        Ok(())
    }
}

type PageFuture<T> = Pin<Box<dyn Future<Output = Result<Page<T>, Error>> + Send>>;

/// A list of `T`: a lazy [`Stream`] of items that follows `nextLink`.
///
/// * Lazy: nothing is sent until the stream is polled.
/// * Two pages ahead: while the items of a page are handed out, the next two pages are
///   fetched and decoded, so the network wait overlaps the caller's work. Handing out items
///   moves the pages in flight along when they have news, and the stream yields to the
///   runtime (wakes itself and returns `Pending` once) every 16 items while pages are in
///   flight, so that the connection can send the next request and read its answer. At most
///   three pages are in memory (the current one and the two read ahead), however long the
///   list. An error of a page read ahead comes after the items of the pages before it, as it
///   would without the read-ahead; dropping the pager cancels the reads in flight.
///   [`Pager::into_pages`] hands out one page at a time.
/// * Decoded off the async task: inside a tokio runtime (the `reqwest` feature), a large page
///   (64 KiB or more) after the first is decoded by the list's decoding thread, one of tokio's
///   blocking threads, so decoding one page overlaps receiving the next (the decoding thread
///   yields every few items, so that the task handing out items and reading the network is
///   not kept waiting behind it). One page at a time decodes there; when the caller has
///   nothing left to hand out and a page waits behind the one being decoded, the stream
///   decodes that page itself, on the caller's task (about 1 ms for a 400 KB page), so two
///   pages decode at once on two cores. Between pages the decoding thread waits up to 1 ms for
///   the next one (yielding its core) before it goes back to the pool. The first page is
///   decoded in place: nothing else is ready then, and its first item arrives sooner. Each page
///   decodes into the emptied buffer of an earlier one (no buffer grown or freed per page).
///   When a page ends with its `nextLink` (as ARM's pages do), the next page is requested as
///   soon as the body has arrived, before it is decoded; the link is checked against the
///   decoded page, and a read started from a link the decoded page does not confirm is dropped
///   (only a malformed page can cause that; the extra request is a GET of the same list).
///   Outside a tokio runtime, pages are decoded in place.
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
    /// Pages requested and not yet handed out, in list order (at most [`PAGES_AHEAD`]).
    slots: VecDeque<Slot<T>>,
    /// What comes after the last slot (or, with no slot, the next page to request).
    cursor: Cursor,
    /// Pages requested so far, and the most this list may request.
    pages_started: usize,
    max_pages: usize,
    /// The most pages in flight: [`PAGES_AHEAD`] for a stream of items, 1 for a stream of
    /// pages (read when asked).
    window: usize,
    /// The items of the current page not handed out yet.
    buffer: VecDeque<T>,
    /// An emptied buffer, for the next page requested to decode into (its capacity is kept).
    spare: Vec<T>,
    failed: bool,
    /// The link of the page that failed (the continuation after a failure).
    failed_at: Option<Url>,
    pending_error: Option<Error>,
    /// Hashes of the links of the last [`RECENT_PAGES`] pages read: a `nextLink` naming one of
    /// them again would loop. Bounded, so memory stays flat however many pages a list has.
    read: VecDeque<u64>,
    /// The api-version a `nextLink` without one gets: the first page's.
    api_version: Arc<str>,
    /// Set when a page in flight has news (its waker fired) since the last [`Pager::drive`].
    news: Arc<AtomicBool>,
    /// Items handed out since the task last yielded (see [`YIELD_TASK_EVERY`]).
    since_yield: usize,
    /// The list's decoding thread and the pages waiting for it (see [`Lane`]).
    lane: Arc<Lane<T>>,
    /// A page waits for the lane while the task has nothing to hand out: the task yielded once
    /// (so the connection moves along) and decodes that page itself on its next poll.
    steal_next: bool,
}

/// The link after the last page requested.
#[derive(Debug, Clone)]
enum Cursor {
    /// The next page to request.
    Link(Url),
    /// Not known yet: the last page requested has not told it.
    Unknown,
    /// The list has no more pages.
    End,
}

/// One page requested and not yet handed out.
struct Slot<T> {
    /// The page's link.
    url: Url,
    /// The read and decode in flight (`None` once done).
    fut: Option<PageFuture<T>>,
    /// The result once done.
    done: Option<Result<Page<T>, Error>>,
    /// The `nextLink` taken from the end of the body before decoding, if the page ended with
    /// one (set by the future, taken once by the pager).
    early: Arc<Mutex<Option<Url>>>,
    /// Wakes the pager's task and records that this slot has news (set when the slot starts,
    /// so that its first poll happens).
    wake: Arc<SlotWake>,
    waker: Waker,
}

/// How many pages a pager requests before their items are handed out.
const PAGES_AHEAD: usize = 2;

/// Pages at least this large (after the first) are queued for the list's decoding thread
/// (inside a tokio runtime); smaller ones are decoded in place.
#[cfg(feature = "reqwest")]
const DECODE_ELSEWHERE_FROM: usize = 64 * 1024;

/// The decoding thread yields its core after every this many items, so that the task handing
/// out items and reading the network is not kept waiting behind it on a shared core.
#[cfg(feature = "reqwest")]
const YIELD_EVERY: usize = 8;

/// While pages are in flight, the pager's task yields to the runtime after handing out this
/// many items in a row (the next page's request and body move along meanwhile).
const YIELD_TASK_EVERY: usize = 16;

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

// The pager never pins its items; it only pins the boxed futures of the pages in flight.
impl<T> Unpin for Pager<T> {}

impl<T> fmt::Debug for Pager<T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Pager")
            .field("next", &self.front_link().map(Url::as_str))
            .field("in_flight", &self.slots.len())
            .field("buffered", &self.buffer.len())
            .finish()
    }
}

impl<T> Pager<T> {
    /// The link of the first page whose items have not been handed out.
    fn front_link(&self) -> Option<&Url> {
        if let Some(url) = &self.failed_at {
            return Some(url);
        }
        match self.slots.front() {
            Some(slot) => Some(&slot.url),
            None => match &self.cursor {
                Cursor::Link(url) => Some(url),
                Cursor::Unknown | Cursor::End => None,
            },
        }
    }
}

impl<T: DeserializeOwned + Send + 'static> Pager<T> {
    /// A pager whose first page is `first`.
    pub(crate) fn new(client: SiteRecoveryClient, first: Url) -> Self {
        let api_version: Arc<str> = first
            .query_pairs()
            .find(|(k, _)| k.eq_ignore_ascii_case("api-version"))
            .map(|(_, v)| v.into_owned())
            .unwrap_or_else(|| client.api_version().as_str().to_owned())
            .into();
        Pager {
            api_version,
            client,
            slots: VecDeque::new(),
            cursor: Cursor::Link(first),
            pages_started: 0,
            max_pages: DEFAULT_MAX_PAGES,
            window: PAGES_AHEAD,
            buffer: VecDeque::new(),
            spare: Vec::new(),
            failed: false,
            failed_at: None,
            pending_error: None,
            read: VecDeque::new(),
            news: Arc::new(AtomicBool::new(false)),
            since_yield: 0,
            lane: Arc::new(Lane::new()),
            steal_next: false,
        }
    }

    /// A pager that yields `error` once (a list whose URL could not be built).
    pub(crate) fn failed(client: SiteRecoveryClient, error: Error) -> Self {
        Pager {
            api_version: client.api_version().as_str().into(),
            client,
            slots: VecDeque::new(),
            cursor: Cursor::End,
            pages_started: 0,
            max_pages: DEFAULT_MAX_PAGES,
            window: PAGES_AHEAD,
            buffer: VecDeque::new(),
            spare: Vec::new(),
            failed: false,
            failed_at: None,
            pending_error: Some(error),
            read: VecDeque::new(),
            news: Arc::new(AtomicBool::new(false)),
            since_yield: 0,
            lane: Arc::new(Lane::new()),
            steal_next: false,
        }
    }

    /// The link of the next page not handed out yet (`None` once the last page has been
    /// fetched). Items of the current page not yet yielded are not covered: save it between
    /// pages (see [`Pager::into_pages`]) to resume without skipping any.
    pub fn continuation(&self) -> Option<String> {
        self.front_link().map(|u| u.to_string())
    }

    /// Items held in memory: the rest of the current page and the pages read ahead.
    #[cfg(test)]
    pub(crate) fn held(&self) -> usize {
        let ahead: usize = self
            .slots
            .iter()
            .map(|slot| match &slot.done {
                Some(Ok(page)) => page.items().len(),
                _ => 0,
            })
            .sum();
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
    pub fn into_pages(mut self) -> Pages<T> {
        self.window = 1;
        Pages { pager: self }
    }

    fn fetch(&self, url: Url, early: Arc<Mutex<Option<Url>>>, items: Vec<T>) -> PageFuture<T> {
        let client = self.client.clone();
        // The first page is decoded in place: nothing else is ready to run while it decodes,
        // and it reaches the caller sooner without a hop to another thread.
        let first = self.pages_started <= 1;
        let api_version = Arc::clone(&self.api_version);
        let lane = Arc::clone(&self.lane);
        Box::pin(async move {
            let response = client.send(Request::new(Method::Get, url.clone())).await?;
            let body = response.body;
            if let Some(link) = trailing_next_link(&body) {
                if let Ok(next) = resolve_next_link(&api_version, &url, link) {
                    *early.lock().unwrap_or_else(PoisonError::into_inner) = Some(next);
                }
            }
            decode_page::<T>(body, items, url, api_version, (!first).then_some(lane)).await
        })
    }

    /// Whether `url` is a page read recently or one already requested: following it would
    /// loop.
    fn is_cycle(&self, url: &Url) -> bool {
        let hash = link_hash(url);
        self.read.contains(&hash) || self.slots.iter().any(|slot| slot.url == *url)
    }

    /// Requests pages while fewer than [`PAGES_AHEAD`] are in flight and the next link is
    /// known. With `raise` (nothing is left to hand out before it), a reason the list cannot go
    /// on (page limit, cycle) is queued as the next error.
    fn fill(&mut self, cx: &Context<'_>, raise: bool) {
        if self.failed || self.pending_error.is_some() {
            return;
        }
        while self.slots.len() < self.window {
            let Cursor::Link(url) = &self.cursor else {
                return;
            };
            if self.is_cycle(url) {
                if raise && self.slots.is_empty() {
                    let url = url.clone();
                    self.cursor = Cursor::End;
                    self.pending_error = Some(Error::invalid_input(
                        "nextLink",
                        format!(
                            "the service sent a nextLink to a page already read ({}); the list \
                             stops here instead of reading it again forever",
                            crate::http::path_for_log(&url)
                        ),
                    ));
                }
                return;
            }
            if self.pages_started >= self.max_pages {
                if raise && self.slots.is_empty() {
                    self.pending_error = Some(Error::PageLimit(Box::new(PageLimitReached {
                        pages: self.pages_started,
                        max_pages: self.max_pages,
                        continuation: url.to_string(),
                    })));
                }
                return;
            }
            let url = url.clone();
            self.pages_started += 1;
            self.cursor = Cursor::Unknown;
            let early = Arc::new(Mutex::new(None));
            let wake = Arc::new(SlotWake {
                woken: AtomicBool::new(true),
                news: Arc::clone(&self.news),
                task: Mutex::new(Some(cx.waker().clone())),
            });
            let waker = Waker::from(Arc::clone(&wake));
            let items = std::mem::take(&mut self.spare);
            let fut = self.fetch(url.clone(), Arc::clone(&early), items);
            self.slots.push_back(Slot {
                url,
                fut: Some(fut),
                done: None,
                early,
                wake,
                waker,
            });
        }
    }

    /// Moves every page in flight along (those woken since their last poll), starts the pages
    /// their early links name, and settles what comes after a page once it is decoded.
    fn drive(&mut self, cx: &Context<'_>, raise: bool) {
        // Cleared before the pages are polled: news arriving meanwhile sets it again.
        self.news.store(false, Ordering::Release);
        loop {
            self.fill(cx, raise);
            let mut progressed = false;
            let mut i = 0;
            while i < self.slots.len() {
                let last = i + 1 == self.slots.len();
                let slot = &mut self.slots[i];
                slot.wake.set_task(cx.waker());
                if slot.fut.is_some() && slot.wake.woken.swap(false, Ordering::AcqRel) {
                    let waker = slot.waker.clone();
                    if let Some(fut) = slot.fut.as_mut() {
                        if let Poll::Ready(result) =
                            fut.as_mut().poll(&mut Context::from_waker(&waker))
                        {
                            slot.fut = None;
                            slot.done = Some(result);
                            progressed |= self.settle(i);
                            i += 1;
                            continue;
                        }
                    }
                }
                // The last page requested names the next one as soon as its body has arrived.
                if last && matches!(self.cursor, Cursor::Unknown) {
                    let early = slot
                        .early
                        .lock()
                        .unwrap_or_else(PoisonError::into_inner)
                        .take();
                    if let Some(next) = early {
                        self.cursor = Cursor::Link(next);
                        progressed = true;
                    }
                }
                i += 1;
            }
            if !progressed {
                return;
            }
        }
    }

    /// Settles what comes after the page of slot `i`, just decoded: the page requested from
    /// its early link is confirmed, or dropped (with any after it) for the link the decoded
    /// page really names; as the last slot, its link becomes the cursor. True when anything
    /// changed.
    fn settle(&mut self, i: usize) -> bool {
        let real = match &self.slots[i].done {
            Some(Ok(page)) => page.next_link.as_deref().and_then(|l| Url::parse(l).ok()),
            _ => None,
        };
        match self.slots.get(i + 1) {
            Some(next) if real.as_ref() == Some(&next.url) => false,
            Some(_) => {
                // Only a malformed page gets here (its tail named a link its decoded body
                // does not): forget what the tail started.
                let dropped = self.slots.len() - (i + 1);
                self.slots.truncate(i + 1);
                self.pages_started -= dropped;
                self.cursor = real.map_or(Cursor::End, Cursor::Link);
                true
            }
            None => {
                self.cursor = real.map_or(Cursor::End, Cursor::Link);
                true
            }
        }
    }

    /// Polls for the next whole page (the buffer must be empty).
    fn poll_page(&mut self, cx: &mut Context<'_>) -> Poll<Option<Result<Page<T>, Error>>> {
        if self.failed {
            return Poll::Ready(None);
        }
        self.drive(cx, true);
        if self.slots.is_empty() {
            if let Some(e) = self.pending_error.take() {
                self.failed = true;
                return Poll::Ready(Some(Err(e)));
            }
            return Poll::Ready(None);
        }
        if self.slots.front().is_some_and(|slot| slot.done.is_none()) {
            // Nothing to hand out until a page is decoded: rather than wait while a page sits
            // in the lane's queue behind the one it decodes, decode that page here. Yield
            // once first, so the connection sends what is queued and reads what has arrived.
            if self.lane.has_waiting() {
                if self.steal_next {
                    self.steal_next = false;
                    if let Some(job) = self.lane.take_waiting() {
                        job.decode_here();
                        // Its slot has news now (its waker ran): move it along.
                        return self.poll_page(cx);
                    }
                } else {
                    self.steal_next = true;
                    cx.waker().wake_by_ref();
                }
            } else {
                self.steal_next = false;
            }
            return Poll::Pending;
        }
        let Some(mut slot) = self.slots.pop_front() else {
            return Poll::Ready(None);
        };
        match slot.done.take() {
            Some(Ok(page)) => {
                if self.read.len() == RECENT_PAGES {
                    self.read.pop_front();
                }
                self.read.push_back(link_hash(&slot.url));
                Poll::Ready(Some(Ok(page)))
            }
            Some(Err(e)) => {
                // The continuation still names the failed page: a caller can resume from it
                // after fixing the cause. Pages read ahead after it are dropped.
                self.failed = true;
                self.failed_at = Some(slot.url);
                self.slots.clear();
                self.cursor = Cursor::End;
                Poll::Ready(Some(Err(e)))
            }
            None => Poll::Ready(None),
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

/// The waker of one page in flight: records that the page has news and wakes the pager's task.
struct SlotWake {
    woken: AtomicBool,
    /// The pager's flag that some page has news.
    news: Arc<AtomicBool>,
    task: Mutex<Option<Waker>>,
}

impl SlotWake {
    /// Makes `waker` the task to wake (the pager's latest caller).
    fn set_task(&self, waker: &Waker) {
        let mut task = self.task.lock().unwrap_or_else(PoisonError::into_inner);
        if !task.as_ref().is_some_and(|t| t.will_wake(waker)) {
            *task = Some(waker.clone());
        }
    }
}

impl Wake for SlotWake {
    fn wake(self: Arc<Self>) {
        self.wake_by_ref();
    }

    fn wake_by_ref(self: &Arc<Self>) {
        self.woken.store(true, Ordering::Release);
        self.news.store(true, Ordering::Release);
        let task = self
            .task
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .clone();
        if let Some(task) = task {
            task.wake();
        }
    }
}

/// Decodes a list page. With a `lane` (every page after the first), inside a tokio runtime, a
/// large page is queued for the list's decoding thread (see [`Lane`]); any other page is
/// decoded in place.
async fn decode_page<T: DeserializeOwned + Send + 'static>(
    body: Vec<u8>,
    items: Vec<T>,
    url: Url,
    api_version: Arc<str>,
    lane: Option<Arc<Lane<T>>>,
) -> Result<Page<T>, Error> {
    // Without tokio (no `reqwest` feature) every page is decoded in place.
    #[cfg(not(feature = "reqwest"))]
    let _ = lane;
    #[cfg(feature = "reqwest")]
    if let Some(lane) = lane.filter(|_| body.len() >= DECODE_ELSEWHERE_FROM) {
        if let Ok(runtime) = tokio::runtime::Handle::try_current() {
            let job = Arc::new(Job {
                state: Mutex::new((
                    JobState::Waiting(Box::new(Work {
                        body,
                        items,
                        url,
                        api_version,
                    })),
                    None,
                )),
            });
            lane.queue
                .lock()
                .unwrap_or_else(PoisonError::into_inner)
                .push_back(Arc::clone(&job));
            if lane.try_start() {
                let start = LaneStart(Some(lane));
                // The task's handle is not kept: the job's state tells how it ended.
                drop(runtime.spawn_blocking(move || {
                    let mut start = start;
                    if let Some(lane) = start.0.take() {
                        Lane::run(&lane);
                    }
                }));
            }
            return Decoded(job).await;
        }
    }
    page_from_body(&body, items, None, &url, &api_version)
}

/// A list's decoding thread: pages after the first, when large, are queued here and decoded
/// one after the other on one of tokio's blocking threads, so that decoding overlaps receiving
/// the next page and handing out the items of the one before. When the pager's task has
/// nothing to hand out while a page waits in the queue (the thread is busy with the page
/// before it), the task decodes the waiting page itself: two pages decode at once, on two
/// cores.
///
/// One decoding thread per list, not one per page read ahead: several decoding threads woken
/// by the same task tend to be placed on its core while another idles, and the items of a page
/// decoded by the task are later freed on the thread that built them (cheaper than freeing
/// another thread's memory). Between pages the thread lingers (see [`LANE_LINGER`]) rather
/// than go back to the pool at once.
// Without tokio, pages are decoded in place and never queued.
#[cfg_attr(not(feature = "reqwest"), allow(dead_code))]
struct Lane<T> {
    /// Pages received and not yet taken, in list order.
    queue: Mutex<VecDeque<Arc<Job<T>>>>,
    /// Set while a blocking thread runs [`Lane::run`].
    running: AtomicBool,
}

/// A lane marked running whose thread has not started: if the runtime drops the thread's work
/// unrun (it is shutting down), the lane is marked free again, so that a later page starts a
/// thread.
#[cfg(feature = "reqwest")]
struct LaneStart<T>(Option<Arc<Lane<T>>>);

#[cfg(feature = "reqwest")]
impl<T> Drop for LaneStart<T> {
    fn drop(&mut self) {
        if let Some(lane) = self.0.take() {
            lane.running.store(false, Ordering::Release);
        }
    }
}

/// How long the decoding thread of a list waits for the next page (yielding its core while it
/// waits) before it goes back to tokio's pool, while the list is alive. Waking
/// a sleeping thread for every page costs more than this on a busy machine, and the kernel
/// tends to place a thread that wakes that often on the core of the task that woke it.
#[cfg(feature = "reqwest")]
const LANE_LINGER: std::time::Duration = std::time::Duration::from_millis(1);

impl<T: DeserializeOwned> Lane<T> {
    fn new() -> Self {
        Lane {
            queue: Mutex::new(VecDeque::new()),
            running: AtomicBool::new(false),
        }
    }

    fn has_waiting(&self) -> bool {
        !self
            .queue
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .is_empty()
    }

    /// The first page waiting, taken off the queue.
    fn take_waiting(&self) -> Option<Arc<Job<T>>> {
        self.queue
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .pop_front()
    }

    /// Marks the lane running; false if it already was.
    #[cfg(feature = "reqwest")]
    fn try_start(&self) -> bool {
        !self.running.swap(true, Ordering::AcqRel)
    }

    /// Decodes queued pages until none is left or coming (on a blocking thread).
    #[cfg(feature = "reqwest")]
    fn run(lane: &Arc<Self>) {
        /// Clears `running` however the loop ends (a panic included), so that the next page
        /// starts a thread again.
        struct Running<'a>(&'a AtomicBool);
        impl Drop for Running<'_> {
            fn drop(&mut self) {
                self.0.store(false, Ordering::Release);
            }
        }
        loop {
            let running = Running(&lane.running);
            loop {
                while let Some(job) = lane.take_waiting() {
                    job.decode(Some(YIELD_EVERY));
                }
                // Linger for the next page while the list is alive (this thread holds one
                // reference to the lane; the pager and its reads in flight the others).
                let since = std::time::Instant::now();
                while !lane.has_waiting()
                    && Arc::strong_count(lane) > 1
                    && since.elapsed() < LANE_LINGER
                {
                    std::thread::yield_now();
                }
                if !lane.has_waiting() {
                    break;
                }
            }
            drop(running);
            // A page queued after the queue was found empty and before `running` was cleared
            // started no thread: take it on if no thread has started since.
            if !lane.has_waiting() || !lane.try_start() {
                return;
            }
        }
    }
}

/// One page to decode: its body (until taken) and then its result, with the waker of the
/// page's future.
struct Job<T> {
    state: Mutex<(JobState<T>, Option<Waker>)>,
}

/// What a page to decode needs.
struct Work<T> {
    body: Vec<u8>,
    items: Vec<T>,
    url: Url,
    api_version: Arc<str>,
}

// Without tokio, pages are decoded in place and never queued.
#[cfg_attr(not(feature = "reqwest"), allow(dead_code))]
enum JobState<T> {
    /// Received, waiting for the lane or the task.
    Waiting(Box<Work<T>>),
    /// Being decoded.
    Decoding,
    /// Decoded (or failed), not yet taken by the page's future.
    Done(Result<Page<T>, Error>),
    /// Taken by the page's future, or abandoned by it (the list was dropped).
    Gone,
}

impl<T: DeserializeOwned> Job<T> {
    /// Decodes the page here, on the pager's task (which has nothing else to do).
    fn decode_here(&self) {
        self.decode(None);
    }

    /// Decodes the page if it still waits, stores the result and wakes the page's future.
    fn decode(&self, yield_every: Option<usize>) {
        let work = {
            let mut state = self.state.lock().unwrap_or_else(PoisonError::into_inner);
            match std::mem::replace(&mut state.0, JobState::Decoding) {
                JobState::Waiting(work) => work,
                other => {
                    state.0 = other;
                    return;
                }
            }
        };
        /// Ends the job with an error if decoding does not return (a panic), so that the
        /// page's future does not wait forever.
        struct Unfinished<'a, T>(&'a Job<T>, bool);
        impl<T> Drop for Unfinished<'_, T> {
            fn drop(&mut self) {
                if !self.1 {
                    self.0
                        .finish(Err(Error::ResponseUnreadable(TransportError::new(
                            TransportErrorKind::ResponseUnreadable,
                            "decoding a list page stopped before it ended; read the list again",
                        ))));
                }
            }
        }
        let mut guard = Unfinished(self, false);
        let page = page_from_body(
            &work.body,
            work.items,
            yield_every,
            &work.url,
            &work.api_version,
        );
        guard.1 = true;
        drop(work.body);
        self.finish(page);
    }
}

impl<T> Job<T> {
    fn finish(&self, result: Result<Page<T>, Error>) {
        let waker = {
            let mut state = self.state.lock().unwrap_or_else(PoisonError::into_inner);
            if matches!(state.0, JobState::Gone) {
                return;
            }
            state.0 = JobState::Done(result);
            state.1.take()
        };
        if let Some(waker) = waker {
            waker.wake();
        }
    }
}

/// The decoded page of a [`Job`], once it is.
// Without tokio, pages are decoded in place and never queued.
#[cfg_attr(not(feature = "reqwest"), allow(dead_code))]
struct Decoded<T>(Arc<Job<T>>);

impl<T> Future for Decoded<T> {
    type Output = Result<Page<T>, Error>;
    fn poll(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Self::Output> {
        let mut state = self.0.state.lock().unwrap_or_else(PoisonError::into_inner);
        if matches!(state.0, JobState::Done(_)) {
            if let JobState::Done(result) = std::mem::replace(&mut state.0, JobState::Gone) {
                return Poll::Ready(result);
            }
        }
        if !state.1.as_ref().is_some_and(|w| w.will_wake(cx.waker())) {
            state.1 = Some(cx.waker().clone());
        }
        Poll::Pending
    }
}

impl<T> Drop for Decoded<T> {
    /// A list dropped (or a read ahead abandoned) leaves no page to decode for nobody: a
    /// waiting body is freed at once.
    fn drop(&mut self) {
        let mut state = self.0.state.lock().unwrap_or_else(PoisonError::into_inner);
        state.0 = JobState::Gone;
        state.1 = None;
    }
}

/// A decoded list page, its `nextLink` resolved; its items go into `items` (an emptied buffer
/// whose capacity is used again).
fn page_from_body<T: DeserializeOwned>(
    body: &[u8],
    items: Vec<T>,
    yield_every: Option<usize>,
    url: &Url,
    api_version: &str,
) -> Result<Page<T>, Error> {
    let page = decode_seed(body, WirePageSeed { items, yield_every }, || {
        format!("list page GET {}", url.path())
    })?;
    let next_link = match page.next_link.as_deref().map(str::trim) {
        None | Some("") => None,
        Some(link) => Some(resolve_next_link(api_version, url, link)?),
    };
    let mut out = Page::new(page.value);
    out.next_link = next_link.map(String::from);
    Ok(out)
}

/// The `nextLink` of a page whose body ends with it (`…,"nextLink":"…"}`, as ARM writes its
/// pages), read from the end of the body without decoding the rest; `None` when the body
/// does not end that way or the link has escapes. In a well-formed body the member just before
/// the closing brace is a member of the top-level object, so this is the page's `nextLink`;
/// the decoded page confirms it.
fn trailing_next_link(body: &[u8]) -> Option<&str> {
    let ws = |b: u8| matches!(b, b' ' | b'\t' | b'\n' | b'\r');
    let skip_ws = |mut at: usize| {
        while at > 0 && ws(body[at - 1]) {
            at -= 1;
        }
        at
    };
    let end = skip_ws(body.len());
    let end = skip_ws(end.checked_sub(1).filter(|&e| body[e] == b'}')?);
    let close = end.checked_sub(1).filter(|&c| body[c] == b'"')?;
    let open = body[..close]
        .iter()
        .rposition(|&b| b == b'"' || b == b'\\')?;
    if body[open] != b'"' || (open > 0 && body[open - 1] == b'\\') {
        return None;
    }
    let value = &body[open + 1..close];
    let colon = skip_ws(open);
    let key_end = skip_ws(colon.checked_sub(1).filter(|&c| body[c] == b':')?);
    let key = b"\"nextLink\"";
    let key_start = key_end.checked_sub(key.len())?;
    if &body[key_start..key_end] != key {
        return None;
    }
    let before = skip_ws(key_start);
    if before == 0 || !matches!(body[before - 1], b',' | b'{') {
        return None;
    }
    let link = std::str::from_utf8(value).ok()?.trim();
    (!link.is_empty()).then_some(link)
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
            if !this.buffer.is_empty()
                && this.since_yield >= YIELD_TASK_EVERY
                && !this.slots.is_empty()
            {
                // Handing out a page's items never waits, so the task would not let the
                // runtime run anything else until the page is done: the connection that sends
                // the next request and reads the next page would sit idle. Yield now and then.
                this.since_yield = 0;
                cx.waker().wake_by_ref();
                return Poll::Pending;
            }
            if let Some(item) = this.buffer.pop_front() {
                this.since_yield += 1;
                // Pages in flight are moved along only when one of them has news.
                if this.news.load(Ordering::Acquire) {
                    this.drive(cx, false);
                }
                return Poll::Ready(Some(Ok(item)));
            }
            match this.poll_page(cx) {
                Poll::Pending => return Poll::Pending,
                Poll::Ready(None) => return Poll::Ready(None),
                Poll::Ready(Some(Err(e))) => return Poll::Ready(Some(Err(e))),
                Poll::Ready(Some(Ok(page))) => {
                    // The emptied buffer (capacity kept) is the next page's to decode into.
                    let emptied = std::mem::replace(&mut this.buffer, page.into_items().into());
                    if this.spare.capacity() == 0 {
                        this.spare = emptied.into();
                    }
                }
            }
        }
    }

    fn size_hint(&self) -> (usize, Option<usize>) {
        let more = !self.failed
            && (!self.slots.is_empty() || matches!(self.cursor, Cursor::Link(_) | Cursor::Unknown));
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
#[cfg(test)]
mod trailing_tests {
    use super::trailing_next_link;

    #[test]
    fn the_link_is_read_from_the_end_of_a_page_that_ends_with_it() {
        let link = "https://arm.test/x?api-version=2024-09-01&$skiptoken=2";
        for body in [
            format!(r#"{{"value":[{{"a":"b"}}],"nextLink":"{link}"}}"#),
            format!("{{\"value\":[],\n  \"nextLink\" : \" {link} \"\n}}\n"),
            format!(r#"{{"nextLink":"{link}"}}"#),
        ] {
            assert_eq!(trailing_next_link(body.as_bytes()), Some(link), "{body}");
        }
    }

    #[test]
    fn anything_else_is_left_to_the_decoder() {
        for body in [
            // nextLink first, absent, null, empty, escaped, or a nested member's.
            r#"{"nextLink":"https://arm.test/2","value":[]}"#,
            r#"{"value":[]}"#,
            r#"{"value":[],"nextLink":null}"#,
            r#"{"value":[],"nextLink":""}"#,
            r#"{"value":[],"nextLink":"https:\/\/arm.test\/2"}"#,
            r#"{"value":[{"nextLink":"https://arm.test/2"}]}"#,
            r#"{"value":[],"x":"a\"nextLink\":\"https://arm.test/2"}"#,
            r#"{"value":[],"xnextLink":"https://arm.test/2"}"#,
            r#"{"value":[],"nextLink":"https://arm.test/2""#,
            "",
            "}",
            "\"}",
            r#""nextLink":"x"}"#,
        ] {
            assert_eq!(trailing_next_link(body.as_bytes()), None, "{body}");
        }
    }
}

#[cfg(test)]
mod lane_tests {
    use super::{Decoded, Job, JobState, Lane, Work};
    use crate::error::Error;
    use crate::model::Page;
    use std::future::Future;
    use std::pin::Pin;
    use std::sync::atomic::{AtomicUsize, Ordering};
    use std::sync::{Arc, Mutex};
    use std::task::{Context, Poll, Wake, Waker};
    use url::Url;

    struct Count(AtomicUsize);
    impl Wake for Count {
        fn wake(self: Arc<Self>) {
            self.0.fetch_add(1, Ordering::SeqCst);
        }
    }

    fn job(names: &[&str]) -> Arc<Job<serde_json::Value>> {
        let value: Vec<_> = names
            .iter()
            .map(|n| serde_json::json!({ "name": n }))
            .collect();
        Arc::new(Job {
            state: Mutex::new((
                JobState::Waiting(Box::new(Work {
                    body: serde_json::to_vec(&serde_json::json!({ "value": value })).unwrap(),
                    items: Vec::new(),
                    url: Url::parse("https://arm.test/items?api-version=2024-09-01").unwrap(),
                    api_version: "2024-09-01".into(),
                })),
                None,
            )),
        })
    }

    fn names(page: &Page<serde_json::Value>) -> Vec<&str> {
        page.items()
            .iter()
            .map(|v| v["name"].as_str().unwrap())
            .collect()
    }

    fn poll(
        fut: &mut Decoded<serde_json::Value>,
        count: &Arc<Count>,
    ) -> Poll<Result<Page<serde_json::Value>, Error>> {
        let waker = Waker::from(Arc::clone(count));
        Pin::new(fut).poll(&mut Context::from_waker(&waker))
    }

    #[test]
    fn a_page_decoded_by_the_task_wakes_its_future_and_is_handed_over_once() {
        let count = Arc::new(Count(AtomicUsize::new(0)));
        let job = job(&["a", "b"]);
        let mut fut = Decoded(Arc::clone(&job));
        assert!(poll(&mut fut, &count).is_pending());
        job.decode_here();
        assert_eq!(count.0.load(Ordering::SeqCst), 1, "the future was woken");
        let Poll::Ready(Ok(page)) = poll(&mut fut, &count) else {
            panic!("the decoded page");
        };
        assert_eq!(names(&page), ["a", "b"]);
        // Decoding again does nothing: the body was taken.
        job.decode_here();
        assert!(matches!(job.state.lock().unwrap().0, JobState::Gone));
    }

    #[test]
    fn a_page_nobody_waits_for_any_more_is_freed_and_skipped() {
        let job = job(&["a"]);
        drop(Decoded(Arc::clone(&job)));
        assert!(
            matches!(job.state.lock().unwrap().0, JobState::Gone),
            "the body is freed as soon as the page's future is dropped"
        );
        job.decode_here();
        assert!(matches!(job.state.lock().unwrap().0, JobState::Gone));
    }

    #[test]
    fn an_undecodable_page_ends_its_future_with_a_decode_error() {
        let count = Arc::new(Count(AtomicUsize::new(0)));
        let job = job(&[]);
        if let JobState::Waiting(work) = &mut job.state.lock().unwrap().0 {
            work.body = b"{\"value\":[1,".to_vec();
        }
        let mut fut = Decoded(Arc::clone(&job));
        job.decode_here();
        assert!(matches!(
            poll(&mut fut, &count),
            Poll::Ready(Err(Error::Decode(_)))
        ));
    }

    #[cfg(feature = "reqwest")]
    #[test]
    fn the_lane_decodes_its_queue_in_order_and_stops_when_the_list_is_gone() {
        let count = Arc::new(Count(AtomicUsize::new(0)));
        let lane = Arc::new(Lane::new());
        let jobs = [job(&["a"]), job(&["b", "c"]), job(&["d"])];
        let mut futs: Vec<_> = jobs.iter().map(|j| Decoded(Arc::clone(j))).collect();
        for j in &jobs {
            lane.queue.lock().unwrap().push_back(Arc::clone(j));
        }
        assert!(lane.try_start());
        assert!(!lane.try_start(), "one decoding thread per list");
        // Nothing else holds the lane: it decodes what is queued and returns at once.
        let started = std::time::Instant::now();
        Lane::run(&lane);
        assert!(started.elapsed() < std::time::Duration::from_secs(5));
        assert!(!lane.has_waiting());
        assert!(lane.try_start(), "the lane is free again");
        let got: Vec<Vec<String>> = futs
            .iter_mut()
            .map(|f| match poll(f, &count) {
                Poll::Ready(Ok(page)) => names(&page).into_iter().map(String::from).collect(),
                other => panic!("{other:?}"),
            })
            .collect();
        assert_eq!(got, [vec!["a"], vec!["b", "c"], vec!["d"]]);
    }

    #[cfg(feature = "reqwest")]
    #[test]
    fn a_lane_whose_thread_never_ran_is_free_again() {
        let lane: Arc<Lane<serde_json::Value>> = Arc::new(Lane::new());
        assert!(lane.try_start());
        // What the runtime drops when it shuts down before the thread starts.
        drop(super::LaneStart(Some(Arc::clone(&lane))));
        assert!(lane.try_start(), "the next page can start a thread");
    }

    #[cfg(feature = "reqwest")]
    #[test]
    fn a_page_queued_while_the_lane_lingers_is_decoded() {
        let lane = Arc::new(Lane::new());
        let pager_ref = Arc::clone(&lane);
        assert!(lane.try_start());
        let runner = {
            let lane = Arc::clone(&lane);
            std::thread::spawn(move || Lane::run(&lane))
        };
        // Queued while the lane lingers (the list is alive): it is decoded by the running
        // thread, or, if the linger ended first, the lane is free for the pager to start.
        let next = job(&["late"]);
        let mut fut = Decoded(Arc::clone(&next));
        pager_ref.queue.lock().unwrap().push_back(Arc::clone(&next));
        let count = Arc::new(Count(AtomicUsize::new(0)));
        let started = std::time::Instant::now();
        loop {
            if let Poll::Ready(result) = poll(&mut fut, &count) {
                assert_eq!(names(&result.unwrap()), ["late"]);
                break;
            }
            if lane.try_start() {
                // The linger ended before the page was queued: start the lane as the pager
                // would.
                Lane::run(&lane);
            }
            assert!(started.elapsed() < std::time::Duration::from_secs(10));
            std::thread::yield_now();
        }
        drop(pager_ref);
        runner.join().unwrap();
    }
}
