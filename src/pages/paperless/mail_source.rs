//! Processed mail as a row source: the record Paperless keeps of every
//! mail it handled. Releasing a record (deleting it) is what lets the mail
//! be imported again; the released mail's accounts are then fetched.

use std::cell::RefCell;
use std::collections::{HashMap, HashSet};
use std::rc::Rc;

use leptos::prelude::*;

use crate::api::paperless::PaperlessClient;
use crate::api::paperless_mail::{MailOrder, MailQuery, MailRule, MailStatus, ProcessedMail};
use crate::api::{ApiError, LocalBoxFuture, Transport};
use crate::components::drawer::{Detail, field};
use crate::components::time::When;
use crate::engine::act::Target;
use crate::engine::mail::Release;
use crate::engine::walk::{Bounds, Flow, PageRead, walk};
use crate::pages::failures::cause::failure_fields;
use crate::state::table::Paging;
use crate::table::cells::{self, cell};
use crate::table::{
    Column, Params, Row, RowAction, RowDetails, RowRef, RowSource, Rows, Width, param,
};

pub const COLUMNS: [Column; 7] = [
    Column::plain("Status", Width::S),
    Column::plain("Subject", Width::Fill),
    Column::plain("Rule", Width::M),
    Column::plain("Account", Width::M).optional(),
    Column::sorted("Received", "received", true, Width::Narrow),
    Column::sorted("Processed", "processed", true, Width::Narrow),
    Column::plain("Error", Width::Fill),
];

/// The status filter in the URL: failed mail unless asked otherwise.
pub fn status_of(query: &Params) -> Option<MailStatus> {
    match param(query, "status") {
        Some("all") => None,
        Some(s) => Some(MailStatus::from_wire(s)),
        None => Some(MailStatus::Failed),
    }
}

fn status_class(status: &MailStatus) -> &'static str {
    match status {
        MailStatus::Success => "badge badge-ok",
        MailStatus::Failed => "badge badge-bad",
        MailStatus::NothingConsumed => "badge badge-warn",
        MailStatus::Other(_) => "badge",
    }
}

pub struct MailRow {
    mail: ProcessedMail,
    rule: Option<MailRule>,
    account: Option<String>,
    /// The connection it was read from (for its known cause and report).
    connection: String,
}

impl Row for MailRow {
    fn key(&self) -> String {
        self.mail.id.to_string()
    }

    fn label(&self) -> String {
        format!("“{}” (mail #{})", self.mail.subject, self.mail.id)
    }

    fn cells(&self) -> Vec<AnyView> {
        let m = &self.mail;
        vec![
            cell(
                view! { <span class=status_class(&m.status)>{m.status.label().to_string()}</span> },
            ),
            cells::name(m.subject.clone()),
            cells::text(
                self.rule
                    .as_ref()
                    .map_or_else(|| format!("#{}", m.rule), |r| r.name.clone()),
            ),
            cells::text(self.account.clone().unwrap_or_default()),
            cell(view! { <When at=m.received /> }),
            cell(view! { <When at=m.processed /> }),
            cells::text(m.error_summary().unwrap_or_default().to_string()),
        ]
    }

    fn details(&self) -> RowDetails {
        let m = &self.mail;
        let mut fields = vec![
            field("Status", Detail::Text(m.status.label().to_string())),
            field("Error", Detail::code_or_missing(m.error.clone())),
            field(
                "Rule",
                Detail::Text(self.rule.as_ref().map_or_else(
                    || format!("#{}", m.rule),
                    |r| format!("{} (#{})", r.name, r.id),
                )),
            ),
            field("Account", Detail::text_or_missing(self.account.clone())),
            field("Folder", Detail::Text(m.folder.clone())),
            field("Message UID", Detail::Code(m.uid.clone())),
            field("Received", Detail::Time(m.received)),
            field("Processed", Detail::Time(m.processed)),
            field("Record id", Detail::Text(m.id.to_string())),
            field(
                "Owner",
                Detail::text_or_missing(m.owner.map(|o| o.to_string())),
            ),
        ];
        // Failed mail: its known cause and a report, after its error.
        if let Some(failure) = taskdeck_triage::Failure::from_processed_mail(&self.connection, m) {
            fields.splice(2..2, failure_fields(failure, None));
        }
        RowDetails {
            title: m.subject.clone(),
            subtitle: format!("{} · {}", m.status.label(), m.folder),
            fields,
        }
    }
}

/// Rules and accounts by id, for names and for what to fetch again.
#[derive(Default)]
struct Names {
    rules: HashMap<u64, MailRule>,
    accounts: HashMap<u64, String>,
}

#[derive(Clone)]
pub struct MailSource {
    pub client: Rc<PaperlessClient>,
    names: Rc<RefCell<Option<Names>>>,
    /// The rule of each mail listed, to know whose account to fetch.
    listed: Rc<RefCell<HashMap<String, u64>>>,
    /// Called with the accounts whose mail was released.
    on_released: Rc<dyn Fn(Vec<u64>)>,
}

impl MailSource {
    pub fn new(client: Rc<PaperlessClient>, on_released: impl Fn(Vec<u64>) + 'static) -> Self {
        MailSource {
            client,
            names: Rc::default(),
            listed: Rc::default(),
            on_released: Rc::new(on_released),
        }
    }

    /// Rule and account names; a user who may read mail but not rules
    /// still sees the mail (with rule numbers).
    async fn load_names(&self, transport: &dyn Transport, refresh: bool) {
        if self.names.borrow().is_some() && !refresh {
            return;
        }
        let rules = self.client.mail_rules_call().send(transport).await;
        let accounts = self.client.mail_accounts_call().send(transport).await;
        let names = Names {
            rules: rules
                .map(|p| p.items.into_iter().map(|r| (r.id, r)).collect())
                .unwrap_or_default(),
            accounts: accounts
                .map(|p| p.items.into_iter().map(|a| (a.id, a.name)).collect())
                .unwrap_or_default(),
        };
        *self.names.borrow_mut() = Some(names);
    }

    fn row(&self, mail: ProcessedMail) -> MailRow {
        let names = self.names.borrow();
        let rule = names
            .as_ref()
            .and_then(|n| n.rules.get(&mail.rule).cloned());
        let account = rule.as_ref().and_then(|r| {
            names
                .as_ref()
                .and_then(|n| n.accounts.get(&r.account))
                .map(|name| format!("{name} (#{})", r.account))
        });
        MailRow {
            mail,
            rule,
            account,
            connection: self.client.connection().unwrap_or_default().to_string(),
        }
    }
}

fn query_of(query: &Params) -> MailQuery {
    let paging = Paging::from_params(param(query, "page"), param(query, "size"));
    let ordering = param(query, "sort").and_then(|s| {
        let (name, descending) = s.strip_prefix('-').map_or((s, false), |n| (n, true));
        MailOrder::from_name(name).map(|o| (o, descending))
    });
    MailQuery {
        status: status_of(query),
        ordering,
        page: Some(paging.page),
        page_size: Some(paging.size),
        ..MailQuery::default()
    }
}

impl RowSource for MailSource {
    fn columns(&self) -> Vec<Column> {
        COLUMNS.to_vec()
    }

    fn table_id(&self) -> &'static str {
        "paperless-mail"
    }

    fn noun(&self) -> &'static str {
        "mail message"
    }

    fn default_sort(&self) -> Option<&'static str> {
        Some("-processed")
    }

    /// The server offers no search over processed mail.
    fn search_placeholder(&self, _query: &Params) -> Option<&'static str> {
        None
    }

    fn list(
        &self,
        query: &Params,
        refresh: bool,
    ) -> LocalBoxFuture<'static, Result<Rows, ApiError>> {
        let (this, wanted) = (self.clone(), query_of(query));
        Box::pin(async move {
            let transport = crate::transport::current();
            this.load_names(transport, refresh).await;
            let page = match this
                .client
                .processed_mail_call(&wanted)
                .send(transport)
                .await
            {
                // Past the last page (rows were released): the first page.
                Err(ApiError::NotFound { .. }) if wanted.page != Some(1) => {
                    let first = MailQuery {
                        page: Some(1),
                        ..wanted
                    };
                    let page = this
                        .client
                        .processed_mail_call(&first)
                        .send(transport)
                        .await?;
                    return Ok(Rows {
                        page: Some(1),
                        ..this.rows(page)
                    });
                }
                other => other?,
            };
            Ok(this.rows(page))
        })
    }

    /// A record not on the page (opened from a link: a failure group) is
    /// looked for in the whole record, page by page (bounded).
    fn detail(&self, key: String) -> LocalBoxFuture<'static, Result<RowRef, ApiError>> {
        let this = self.clone();
        Box::pin(async move {
            const PAGE: u32 = 1000;
            let transport = crate::transport::current();
            this.load_names(transport, false).await;
            let mut found = None;
            walk(
                "GET /api/processed_mail/",
                Bounds::for_rows(1_000_000, PAGE),
                |page| {
                    let query = MailQuery {
                        page: Some(page),
                        page_size: Some(PAGE),
                        ..MailQuery::default()
                    };
                    let client = this.client.clone();
                    async move {
                        let got = client.processed_mail_call(&query).send(transport).await?;
                        Ok(PageRead {
                            total: got.count,
                            rows: got.items,
                        })
                    }
                },
                |m: &ProcessedMail| m.id,
                |rows| {
                    found = rows.into_iter().find(|m| m.id.to_string() == key);
                    if found.is_some() {
                        Flow::Enough
                    } else {
                        Flow::More
                    }
                },
            )
            .await?;
            match found {
                Some(mail) => Ok(std::sync::Arc::new(this.row(mail)) as RowRef),
                None => Err(ApiError::NotFound {
                    message: "No longer recorded: it may have been released for re-import.".into(),
                }),
            }
        })
    }

    fn action(&self) -> Option<RowAction> {
        Some(RowAction {
            verb: "Allow re-import",
            done: "Released",
            consequence: "will be forgotten by Paperless (their processed-mail records are \
                          deleted), so the next fetch imports them again. Their accounts are \
                          fetched right after:",
            danger: true,
            unit: "mail message",
            testid: "reimport-selected",
            per_row: false,
            log: "allow_reimport",
        })
    }

    /// The reply echoes the requested ids whatever happened: the outcome is
    /// what the record says afterwards.
    fn target(&self) -> Option<Rc<dyn Target>> {
        Some(Rc::new(Release {
            client: self.client.clone(),
            transport: crate::transport::current(),
        }))
    }

    /// The accounts of the released mail are fetched again, so the mail is
    /// imported again.
    fn follow_up(&self) -> Option<Rc<dyn Fn(HashSet<String>)>> {
        let (listed, names, on_released) = (
            self.listed.clone(),
            self.names.clone(),
            self.on_released.clone(),
        );
        Some(Rc::new(move |released: HashSet<String>| {
            let listed = listed.borrow();
            let names = names.borrow();
            let mut accounts: Vec<u64> = released
                .iter()
                .filter_map(|k| listed.get(k))
                .filter_map(|rule| names.as_ref()?.rules.get(rule).map(|r| r.account))
                .collect();
            accounts.sort_unstable();
            accounts.dedup();
            if !accounts.is_empty() {
                on_released(accounts);
            }
        }))
    }
}

impl MailSource {
    fn rows(&self, page: crate::api::Page<ProcessedMail>) -> Rows {
        {
            let mut listed = self.listed.borrow_mut();
            for mail in &page.items {
                listed.insert(mail.id.to_string(), mail.rule);
            }
        }
        let rows = page
            .items
            .into_iter()
            .map(|m| std::sync::Arc::new(self.row(m)) as RowRef)
            .collect();
        Rows::with_unreadable(rows, page.count, page.unreadable)
    }
}
