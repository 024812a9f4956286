-- A public form's request that names a contract with the email of its own account (the owner's request) is counted
-- apart: strangers' requests naming someone's email must not use up the owner's own allowance to cancel or withdraw.
ALTER TABLE public_form_sends ADD COLUMN owners boolean NOT NULL DEFAULT false;
