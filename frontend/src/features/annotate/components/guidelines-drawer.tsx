import { Markdown } from '@/components/markdown';
import { Modal } from '@/components/ui/modal';

export function GuidelinesDrawer({ guidelines, onClose }: { guidelines: string; onClose: () => void }) {
  return (
    <Modal title="Guidelines" variant="drawer" onClose={onClose}>
      {guidelines.trim() ? (
        <Markdown text={guidelines} source="trusted" />
      ) : (
        <p className="muted">This campaign has no written guidelines.</p>
      )}
    </Modal>
  );
}
