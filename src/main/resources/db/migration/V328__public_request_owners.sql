-- A public request typed with the email of the account it concerns (the owner's own request, as the forms decide it:
-- the account's email, letter case ignored): the cases such requests open have an allowance of their own, so that
-- strangers' requests naming the account cannot use up the owner's (intake.PublicCaseAllowance).
ALTER TABLE public_cancellation_requests ADD COLUMN owners boolean NOT NULL DEFAULT false;
ALTER TABLE public_withdrawal_requests ADD COLUMN owners boolean NOT NULL DEFAULT false;
