import { forwardRef, type SelectHTMLAttributes } from 'react';
import { cx } from './cx';
import { useFieldControl } from './Field';
import { CONTROL, HEIGHTS } from './Input';

interface SelectProps extends Omit<SelectHTMLAttributes<HTMLSelectElement>, 'size'> {
  size?: keyof typeof HEIGHTS;
}

/** A native select, styled like `Input`. */
export const Select = forwardRef<HTMLSelectElement, SelectProps>(function Select(
  { size = 'md', className, ...rest },
  ref,
) {
  const field = useFieldControl();
  return <select ref={ref} {...field} {...rest} className={cx(CONTROL, HEIGHTS[size], 'px-2', className)} />;
});
