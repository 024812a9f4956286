-- A public form's request sent from a browser signed in to the portal as the account it concerns (the owner, proven
-- by the sign-in code from the account's mailbox) is counted apart from every other, the account's own email typed
-- alone proving nothing: a stranger who types the owner's email and order number uses only the allowances of
-- requests not signed in, never the signed-in owner's (intake.PublicFormLimits, intake.PublicCaseAllowance). The
-- owners columns keep their meaning (typed with the account's email: what the closure erases with the account).
ALTER TABLE public_form_sends ADD COLUMN signed_in boolean NOT NULL DEFAULT false;
ALTER TABLE public_cancellation_requests ADD COLUMN signed_in boolean NOT NULL DEFAULT false;
ALTER TABLE public_withdrawal_requests ADD COLUMN signed_in boolean NOT NULL DEFAULT false;
