import torch


def box_balanced_l1(err: torch.Tensor, inside: torch.Tensor) -> torch.Tensor:
    """Per-image L1 with the lesion boxes and the rest at equal weight.

    Eq. 2 / eq. 3's mean over pixels gives the boxes (~5 % of a
    radiograph) ~5 % of the signal; here each image's error is the mean
    of its mean inside the boxes and its mean outside. An image without
    boxes keeps the plain mean.

    Args:
        err (torch.Tensor): [B, C, H, W] absolute errors.
        inside (torch.Tensor): [B, 1 or C, H, W], nonzero inside the boxes.

    Returns:
        torch.Tensor: [B] per-image errors.
    """
    inside = (inside > 0).to(err.dtype).expand_as(err)
    n_in = inside.flatten(1).sum(dim=1)
    n_out = (1 - inside).flatten(1).sum(dim=1)
    mean_in = (err * inside).flatten(1).sum(dim=1) / n_in.clamp(min=1)
    mean_out = (err * (1 - inside)).flatten(1).sum(dim=1) / \
        n_out.clamp(min=1)
    return torch.where(n_in > 0, 0.5 * (mean_in + mean_out),
                       err.flatten(1).mean(dim=1))
