/** The dashboard's UI primitives: pages compose these instead of repeating class strings. */
export { Badge, type Tone, Tag } from './Badge';
export { Button } from './Button';
export { Card, CardHeader } from './Card';
export { Checkbox, OptionCard, Radio, ToggleChip } from './Choice';
export { ConfirmDialog } from './ConfirmDialog';
export { CopyButton } from './CopyButton';
export { cx } from './cx';
export { EmptyState } from './EmptyState';
export { ErrorAlert, Skeleton, Spinner } from './Feedback';
export { Field, Fieldset } from './Field';
export { Input } from './Input';
export { PageHeader } from './PageHeader';
export { QueryState } from './QueryState';
export { SecretReveal } from './SecretReveal';
export { Select } from './Select';
export { TBody, Th, THead } from './Table';
