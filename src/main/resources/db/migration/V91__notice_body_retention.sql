-- NoticeBodyRetention erases the body of each notice sent longer ago than subdesk.notices.body-retention: this
-- index holds only the sent notices whose body is still kept, so each purge finds them without reading the table.
CREATE INDEX notices_sent_with_body_idx ON notices (sent_at) WHERE body IS NOT NULL AND sent_at IS NOT NULL;
