"""Server-rendered pages, one module per desk: `cases` (queue, case page, transitions,
records), `intake`, `corrections`, `attachments`, `petition` and `court` (the handoff desks),
`prevention` (screenings, consultations), `supervision`, `alerts`, `portal` and `apply` (the
public pages), `accounts` (sign-in). What the case page shows is `case_page`; the pages'
one answer to a domain error is `errors`. The task inbox is the flows' own: workflows.pages."""
