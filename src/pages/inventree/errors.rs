//! InvenTree's error log (`/api/error-report/`, staff only), newest first,
//! paged on the server: task failures and request errors with tracebacks.

use std::rc::Rc;
use std::sync::Arc;

use leptos::prelude::*;

use crate::api::inventree::InvenTreeClient;
use crate::api::inventree_admin::ErrorReport;
use crate::api::{ApiError, LocalBoxFuture};
use crate::components::drawer::{Detail, field};
use crate::components::time::ServerWhen;
use crate::state::table::Paging;
use crate::table::cells::{self, cell};
use crate::table::{Column, Params, Row, RowDetails, RowRef, RowSource, Rows, Width, param};

const COLUMNS: [Column; 4] = [
    Column::plain("When", Width::M),
    Column::plain("What", Width::Fill),
    Column::plain("Where", Width::M),
    Column::plain("Last line", Width::Fill),
];

fn last_line(text: &str) -> &str {
    text.lines()
        .rev()
        .map(str::trim)
        .find(|l| !l.is_empty())
        .unwrap_or("")
}

impl Row for ErrorReport {
    fn key(&self) -> String {
        self.pk.to_string()
    }

    fn label(&self) -> String {
        format!("error #{}", self.pk)
    }

    fn cells(&self) -> Vec<AnyView> {
        vec![
            cell(view! { <ServerWhen at=self.when /> }),
            cells::name(self.info.clone()),
            cells::code(self.path.clone()),
            cells::text(last_line(&self.data).to_string()),
        ]
    }

    fn details(&self) -> RowDetails {
        RowDetails {
            title: self.info.clone(),
            subtitle: self.path.clone(),
            fields: vec![
                field("When", Detail::ServerTime(self.when)),
                field("Where", Detail::Code(self.path.clone())),
                field("Traceback", Detail::Code(self.data.clone())),
                field("Error id", Detail::Text(self.pk.to_string())),
            ],
        }
    }
}

#[derive(Clone)]
pub struct ErrorSource {
    pub client: InvenTreeClient,
}

impl RowSource for ErrorSource {
    fn columns(&self) -> Vec<Column> {
        COLUMNS.to_vec()
    }

    fn table_id(&self) -> &'static str {
        "inventree-errors"
    }

    fn noun(&self) -> &'static str {
        "error"
    }

    fn search_placeholder(&self, _query: &Params) -> Option<&'static str> {
        None
    }

    fn list(
        &self,
        query: &Params,
        _refresh: bool,
    ) -> LocalBoxFuture<'static, Result<Rows, ApiError>> {
        let client = self.client.clone();
        let paging = Paging::from_params(param(query, "page"), param(query, "size"));
        Box::pin(async move {
            let page = client
                .error_reports_page_call(paging.size, paging.offset())
                .send(crate::transport::current())
                .await?;
            let rows = page
                .items
                .into_iter()
                .map(|e| Arc::new(e) as RowRef)
                .collect();
            Ok(Rows::with_unreadable(rows, page.count, page.unreadable))
        })
    }

    fn detail(&self, key: String) -> LocalBoxFuture<'static, Result<RowRef, ApiError>> {
        let client = self.client.clone();
        Box::pin(async move {
            let pk = key.parse().map_err(|_| ApiError::NotFound {
                message: "No such error.".into(),
            })?;
            let report = client
                .error_report_call(pk)
                .send(crate::transport::current())
                .await?;
            Ok(Arc::new(report) as RowRef)
        })
    }
}

pub fn source(client: InvenTreeClient) -> Rc<dyn RowSource> {
    Rc::new(ErrorSource { client })
}
