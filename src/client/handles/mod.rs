//! Resource handles: a small value per collection, in the style of kube's `Api<K>`.

mod protected_items;
mod scopes;

use super::pager::Pager;
use super::poller::Poller;
use super::SiteRecoveryClient;
use crate::api_version::ApiVersion;
use crate::error::Error;
use crate::http::{Method, Request};
use crate::id::{validate_name, NameKind};
use crate::model::ProtectedItem;
use serde::de::DeserializeOwned;
use serde::Serialize;
use std::fmt;
use std::marker::PhantomData;
use url::Url;

/// A resource a [`Handle`] can read and write.
///
/// The model types implement it; `serde_json::Value` does too, for a resource kind this crate
/// does not model (it is sent as given).
pub trait Resource: DeserializeOwned + Send + 'static {
    /// What the resource is called in messages (`"protected item"`).
    const KIND: &'static str;

    /// The naming rules its names follow (`None`: only ARM's general rules apply).
    const NAME_KIND: Option<NameKind>;

    /// The body of a create-or-update (PUT): writable fields only, in the shape of
    /// `api_version`.
    fn request_body(&self, api_version: &ApiVersion) -> Result<Vec<u8>, Error>;
}

impl Resource for serde_json::Value {
    const KIND: &'static str = "resource";
    const NAME_KIND: Option<NameKind> = None;

    fn request_body(&self, _: &ApiVersion) -> Result<Vec<u8>, Error> {
        serde_json::to_vec(self).map_err(|e| {
            Error::invalid_input("request body", format!("cannot serialize the body: {e}"))
        })
    }
}

/// The resources of one kind in one collection, e.g. the protected items of a vault.
///
/// Get one from the client ([`SiteRecoveryClient::protected_items`] and friends) or, for a
/// collection the client does not name, [`SiteRecoveryClient::handle`].
///
/// * [`Handle::get`], [`Handle::get_opt`] (404 becomes `None`), [`Handle::list`] (a lazy
///   [`Pager`]);
/// * [`Handle::create_or_update`] (PUT), [`Handle::update`] (PATCH) and [`Handle::delete`],
///   each returning a [`Poller`] to await.
pub struct Handle<K> {
    pub(crate) client: SiteRecoveryClient,
    /// The collection's ARM path, e.g. `/subscriptions/../replicationVaults/v1/protectedItems`.
    pub(crate) collection: String,
    /// Whether protected-item actions are checked against the lifecycle first.
    pub(crate) check_lifecycle: bool,
    /// Why the parent id's names break the naming rules, if they do (reported on first use).
    pub(crate) parent_problem: Option<String>,
    pub(crate) _kind: PhantomData<fn() -> K>,
}

impl<K> Clone for Handle<K> {
    fn clone(&self) -> Self {
        Handle {
            client: self.client.clone(),
            collection: self.collection.clone(),
            check_lifecycle: self.check_lifecycle,
            parent_problem: self.parent_problem.clone(),
            _kind: PhantomData,
        }
    }
}

impl<K> fmt::Debug for Handle<K> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Handle")
            .field("collection", &self.collection)
            .field("kind", &std::any::type_name::<K>())
            .finish()
    }
}

impl<K: Resource> Handle<K> {
    pub(crate) fn new(client: SiteRecoveryClient, parent: &str, collection: &str) -> Self {
        let check_lifecycle = client.inner.check_lifecycle;
        let parent = parent.trim().trim_end_matches('/');
        Handle {
            client,
            collection: format!("{parent}/{collection}"),
            check_lifecycle,
            parent_problem: None,
            _kind: PhantomData,
        }
    }

    /// The collection's ARM path.
    pub fn collection_path(&self) -> &str {
        &self.collection
    }

    /// The ARM id of the resource called `name` in this collection.
    pub fn id_of(&self, name: &str) -> Result<String, Error> {
        self.check_parent()?;
        match K::NAME_KIND {
            Some(kind) => validate_name(kind, name, self.client.name_rules())
                .map_err(|e| Error::invalid_input(format!("{} name", K::KIND), e.to_string()))?,
            None => check_segment(K::KIND, name)?,
        }
        Ok(format!("{}/{name}", self.collection))
    }

    fn check_parent(&self) -> Result<(), Error> {
        match &self.parent_problem {
            Some(p) => Err(Error::invalid_input("parent id", p.clone())),
            None => Ok(()),
        }
    }

    /// The URL of the resource called `name`.
    pub fn url_of(&self, name: &str) -> Result<Url, Error> {
        self.client.url(&self.id_of(name)?)
    }

    /// Reads the resource called `name`.
    pub async fn get(&self, name: &str) -> Result<K, Error> {
        self.client.get_json(self.url_of(name)?).await
    }

    /// Reads the resource called `name`; `None` when the service answers 404.
    pub async fn get_opt(&self, name: &str) -> Result<Option<K>, Error> {
        match self.get(name).await {
            Ok(k) => Ok(Some(k)),
            Err(e) if e.is_not_found() => Ok(None),
            Err(e) => Err(e),
        }
    }

    /// Every resource of the collection, as a lazy stream (nothing is sent until it is polled).
    pub fn list(&self) -> Pager<K> {
        self.list_with(&[])
    }

    /// The collection with extra query parameters on the first page, e.g.
    /// `[("pageSize", "500")]` or, for jobs and events, `[("$filter", ...)]` (preview) /
    /// `[("odataOptions", ...)]` (2024-09-01 and later). Later pages follow `nextLink` as sent.
    pub fn list_with(&self, query: &[(&str, &str)]) -> Pager<K> {
        match self
            .check_parent()
            .and_then(|()| self.client.url(&self.collection))
        {
            Ok(mut url) => {
                if !query.is_empty() {
                    let mut q = url.query_pairs_mut();
                    for (k, v) in query {
                        q.append_pair(k, v);
                    }
                }
                Pager::new(self.client.clone(), url)
            }
            Err(e) => Pager::failed(self.client.clone(), e),
        }
    }

    /// Creates the resource called `name`, or replaces it (PUT). The body is built from the
    /// writable fields of `resource` only. Await the [`Poller`] for the resource as the service
    /// made it.
    pub async fn create_or_update(&self, name: &str, resource: &K) -> Result<Poller<K>, Error> {
        let url = self.url_of(name)?;
        let body = resource.request_body(self.client.api_version())?;
        self.write(
            Method::Put,
            url,
            body,
            format!("create or update {} {name}", K::KIND),
        )
        .await
    }

    /// Changes some fields of the resource called `name` (PATCH with `patch` as the body, e.g.
    /// `{"tags": {...}}`). PATCH is not idempotent: it is never sent twice.
    pub async fn update(&self, name: &str, patch: &impl Serialize) -> Result<Poller<K>, Error> {
        let url = self.url_of(name)?;
        let body = serde_json::to_vec(patch).map_err(|e| {
            Error::invalid_input("update body", format!("cannot serialize the patch: {e}"))
        })?;
        self.write(
            Method::Patch,
            url,
            body,
            format!("update {} {name}", K::KIND),
        )
        .await
    }

    /// Deletes the resource called `name`. Await the [`Poller`] for the deletion to finish.
    pub async fn delete(&self, name: &str) -> Result<Poller<()>, Error> {
        let url = self.url_of(name)?;
        let item = is_protected_item::<K>().then(|| url.clone());
        self.delete_url(url, format!("delete {} {name}", K::KIND), item)
            .await
    }

    pub(crate) async fn delete_url(
        &self,
        url: Url,
        operation: String,
        protected_item: Option<Url>,
    ) -> Result<Poller<()>, Error> {
        let response = self
            .client
            .send(Request::new(Method::Delete, url.clone()))
            .await?;
        Poller::start(
            self.client.clone(),
            operation,
            Method::Delete,
            &url,
            &response,
            None,
            protected_item,
        )
    }

    async fn write(
        &self,
        method: Method,
        url: Url,
        body: Vec<u8>,
        operation: String,
    ) -> Result<Poller<K>, Error> {
        let request = Request::new(method, url.clone()).with_json(body);
        let response = self.client.send(request).await?;
        let item = is_protected_item::<K>().then(|| url.clone());
        Poller::start(
            self.client.clone(),
            operation,
            method,
            &url,
            &response,
            None,
            item,
        )
    }
}

/// `true` when `K` is a protected item, whose job and health errors explain a failed
/// operation.
fn is_protected_item<K: 'static>() -> bool {
    std::any::TypeId::of::<K>() == std::any::TypeId::of::<ProtectedItem>()
}

/// Checks a resource name against ARM's general rules before it goes into a URL: not empty, at
/// most 260 characters, none of `/ \ ? # % & : < > * +`, no control characters, no trailing
/// `.` or space.
pub(crate) fn check_segment(kind: &str, name: &str) -> Result<(), Error> {
    let bad = |why: &str| {
        Err(Error::invalid_input(
            format!("{kind} name"),
            format!("`{name}` {why}; ARM names have 1-260 characters and none of / \\ ? # % & : < > * +"),
        ))
    };
    if name.is_empty() {
        return bad("is empty");
    }
    if name.chars().count() > 260 {
        return bad("is longer than 260 characters");
    }
    if let Some(c) = name
        .chars()
        .find(|c| c.is_control() || "/\\?#%&:<>*+".contains(*c))
    {
        return bad(&format!("contains `{}`", c.escape_debug()));
    }
    if name.ends_with('.') || name.ends_with(' ') {
        return bad("ends with `.` or a space");
    }
    Ok(())
}

/// One resource, named by its typed id: `client.vault(&vault_id).get()`.
///
/// The same calls as [`Handle`], without the name argument.
pub struct ResourceHandle<K> {
    handle: Handle<K>,
    name: String,
}

impl<K> Clone for ResourceHandle<K> {
    fn clone(&self) -> Self {
        ResourceHandle {
            handle: self.handle.clone(),
            name: self.name.clone(),
        }
    }
}

impl<K> fmt::Debug for ResourceHandle<K> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("ResourceHandle")
            .field("collection", &self.handle.collection)
            .field("name", &self.name)
            .finish()
    }
}

impl<K: Resource> ResourceHandle<K> {
    pub(crate) fn new(handle: Handle<K>, name: &str) -> Self {
        ResourceHandle {
            handle,
            name: name.to_owned(),
        }
    }

    /// The resource's name.
    pub fn name(&self) -> &str {
        &self.name
    }

    /// The collection handle the resource is in.
    pub fn collection(&self) -> &Handle<K> {
        &self.handle
    }

    /// Reads the resource.
    pub async fn get(&self) -> Result<K, Error> {
        self.handle.get(&self.name).await
    }

    /// Reads the resource; `None` when the service answers 404.
    pub async fn get_opt(&self) -> Result<Option<K>, Error> {
        self.handle.get_opt(&self.name).await
    }

    /// Creates or replaces the resource (PUT).
    pub async fn create_or_update(&self, resource: &K) -> Result<Poller<K>, Error> {
        self.handle.create_or_update(&self.name, resource).await
    }

    /// Changes some fields of the resource (PATCH).
    pub async fn update(&self, patch: &impl Serialize) -> Result<Poller<K>, Error> {
        self.handle.update(&self.name, patch).await
    }

    /// Deletes the resource.
    pub async fn delete(&self) -> Result<Poller<()>, Error> {
        self.handle.delete(&self.name).await
    }
}
