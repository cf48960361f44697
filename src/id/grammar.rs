//! The grammar of ARM ids, over segments that are already split.

use super::IdError;
/// Where the structural parts of an id are, as segment indexes (0-based).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(super) struct Layout {
    /// Index of the subscription id value.
    pub(super) sub: Option<usize>,
    /// Index of the resource group name.
    pub(super) rg: Option<usize>,
    /// Index of the last provider namespace; the `{type}/{name}` pairs follow it.
    pub(super) ns: Option<usize>,
    /// How many `providers/{Namespace}` sections the id has (more than one: extension resource).
    pub(super) sections: usize,
}

pub(super) fn is_kw(seg: &str, kw: &str) -> bool {
    seg.eq_ignore_ascii_case(kw)
}

/// Checks the grammar over already-split segments and finds the structural parts.
pub(super) fn layout(raw: &str, segs: &[(usize, usize)]) -> Result<Layout, IdError> {
    let seg = |i: usize| &raw[segs[i].0..segs[i].1];
    let n = segs.len();
    let missing = |i: usize| IdError::MissingName {
        position: i + 1,
        after: seg(i).to_owned(),
    };
    let mut l = Layout {
        sub: None,
        rg: None,
        ns: None,
        sections: 0,
    };
    let mut i = 0;
    let first = seg(0);
    if is_kw(first, "subscriptions") {
        if n < 2 {
            return Err(missing(0));
        }
        l.sub = Some(1);
        i = 2;
        if i < n {
            let s = seg(i);
            if is_kw(s, "resourceGroups") {
                if i + 1 >= n {
                    return Err(missing(i));
                }
                l.rg = Some(i + 1);
                i += 2;
                if i < n && !is_kw(seg(i), "providers") {
                    return Err(IdError::UnexpectedSegment {
                        position: i + 1,
                        expected: "\"providers\"",
                        found: seg(i).to_owned(),
                    });
                }
            } else if !is_kw(s, "providers") {
                return Err(IdError::UnexpectedSegment {
                    position: i + 1,
                    expected: "\"resourceGroups\" or \"providers\"",
                    found: s.to_owned(),
                });
            }
        }
    } else if !is_kw(first, "providers") {
        return Err(IdError::UnexpectedSegment {
            position: 1,
            expected: "\"subscriptions\" or \"providers\"",
            found: first.to_owned(),
        });
    }
    // Here `i` is at a `providers` segment or at the end.
    while i < n {
        // seg(i) is "providers": a namespace, then at least one pair follows.
        if i + 1 >= n {
            return Err(missing(i));
        }
        let ns = seg(i + 1);
        let dot = ns.find('.');
        if !dot.is_some_and(|d| d > 0 && d + 1 < ns.len()) {
            return Err(IdError::UnexpectedSegment {
                position: i + 2,
                expected: "a provider namespace such as \"Microsoft.DataReplication\"",
                found: ns.to_owned(),
            });
        }
        l.ns = Some(i + 1);
        l.sections += 1;
        i += 2;
        if i >= n {
            return Err(IdError::MissingResourceType {
                position: i,
                namespace: ns.to_owned(),
            });
        }
        while i < n {
            if is_kw(seg(i), "providers") {
                break;
            }
            if i + 1 >= n {
                return Err(missing(i));
            }
            i += 2;
        }
    }
    Ok(l)
}
