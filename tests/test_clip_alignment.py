import open_clip
import torch

from fashion_diffusion.model.schedule import cosine_schedule, to_x0
from fashion_diffusion.scoring.clip.in_domain import build_model
from fashion_diffusion.scoring.clip.scorer import Scorer
from fashion_diffusion.training.clip_alignment import clip_alignment_loss, clip_alignment_term

ARCH = dict(
    embed_dim=8, width=32, text_width=32, vision_layers=1, text_layers=1, patch_size=4, context_length=8, image_size=8
)


def test_clip_alignment_term_has_a_gradient_that_reaches_the_denoiser_only(tiny_model):
    torch.manual_seed(0)
    scorer = Scorer(build_model(ARCH), open_clip.tokenizer.SimpleTokenizer(context_length=8), "cpu")
    loss_fn = clip_alignment_loss(scorer, ["a photo of a shirt", "a photo of a bag", "a photo of a coat"])
    x_t, t = torch.randn(4, 1, 8, 8), torch.tensor([1, 5, 10, 40])
    labels = torch.tensor([0, 1, 2, tiny_model.null_class])
    schedule = cosine_schedule(50)
    x0_pred = to_x0(schedule, x_t, t, tiny_model(x_t, t, labels), "epsilon")
    term = clip_alignment_term(schedule, x0_pred, t, labels, tiny_model.null_class, loss_fn)
    term.backward()
    assert 0 < term.item() <= 2  # 1 - cosine lies in [0, 2]
    grads = [p.grad for p in tiny_model.parameters() if p.grad is not None]
    assert grads and any(g.abs().sum() > 0 for g in grads)
    assert all(p.grad is None for p in scorer.model.parameters())  # the scorer stays frozen


def test_null_class_examples_do_not_count(tiny_model):
    calls = []

    def loss(x0, labels):
        return calls.append(labels) or torch.ones(len(labels))

    x_t, t = torch.randn(2, 1, 8, 8), torch.tensor([3, 4])
    null = torch.full((2,), tiny_model.null_class)
    assert clip_alignment_term(cosine_schedule(50), x_t, t, null, tiny_model.null_class, loss).item() == 0
    assert not calls
