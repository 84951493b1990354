import { useEffect, useRef, useState } from 'react';

/**
 * True once the element has come near the viewport, and from then on: for work worth doing only
 * for what a person can see (a row's sparkline), started a little before it scrolls into view.
 */
export function useInView<T extends Element>(rootMargin = '200px 0px') {
  const ref = useRef<T>(null);
  const [seen, setSeen] = useState(false);
  useEffect(() => {
    const el = ref.current;
    if (!el || seen) return;
    if (typeof IntersectionObserver === 'undefined') {
      setSeen(true);
      return;
    }
    const io = new IntersectionObserver(
      (entries) => {
        if (entries.some((e) => e.isIntersecting)) setSeen(true);
      },
      { rootMargin },
    );
    io.observe(el);
    return () => io.disconnect();
  }, [seen, rootMargin]);
  return { ref, seen };
}
